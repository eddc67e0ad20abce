//! Running a lesson: each step's op against the world, its result and what it did;
//! running one more step on a trace (the sandbox), taking one back, and replaying from
//! a snapshot to any step (the trace and its snapshots are in `trace`).
use crate::id::{Errno, Ioasid, INVALID_IOASID};
use crate::lesson::{IdArg, Lesson, LessonError, Op, Step};
use crate::narrate::{describe_op, explanation};
use crate::profile::{Knobs, Profile};
use crate::pseudo::{Func, ORDER_SHOWN};
use crate::space::{DataUpdate, World};
use crate::trace::{
    snapshot_gap, Event, Marker, Outcome, StepLog, StepTrace, Val, MARKS_STORED_OVER,
};
/// `Trace` and the snapshot spacing live in [`crate::trace`]; kept here for old paths.
pub use crate::trace::{Trace, SNAPSHOT_EVERY, WEIGHT_PER_STEP};
use crate::world::FaultRun;
use std::collections::HashMap;
use std::rc::Rc;

impl Trace {
    /// The world after step `i` (clamped to the last step). Cost: one snapshot clone
    /// (the ID trees are shared) and a replay of fewer than `SNAPSHOT_EVERY` steps
    /// (more in a world spaced out by [`WEIGHT_PER_STEP`]).
    pub fn world_after(&self, i: usize) -> World {
        if i.saturating_add(1) >= self.steps.len() {
            return self.last.clone();
        }
        self.world_before(i + 1)
    }

    /// The world before step `n`.
    pub fn world_before(&self, n: usize) -> World {
        if n >= self.steps.len() {
            return self.last.clone();
        }
        // The last snapshot taken at or before step n.
        let j = self.snapshots.partition_point(|(at, _)| *at <= n);
        let Some((at, snap)) = j.checked_sub(1).and_then(|j| self.snapshots.get(j)) else {
            return self.last.clone();
        };
        self.replay(snap.clone(), *at..n)
    }

    /// The world after step `i`, given `before`, the world before it
    /// ([`Self::world_before`]`(i)`, or the world the UI shows for step `i - 1`): one clone
    /// and one step, where [`Self::world_after`] may replay many (a world of 100,000
    /// processes spaces its snapshots thousands of steps apart). The UI steps forward
    /// with it. Given another world, the result is that world with step `i` run on it.
    ///
    /// A long step with a snapshot right after it is not run again: the result is a copy
    /// of that snapshot.
    pub fn world_after_step(&self, i: usize, before: &World) -> World {
        if i.saturating_add(1) >= self.steps.len() {
            return self.last.clone();
        }
        let after = i + 1;
        if self
            .snapshots
            .binary_search_by_key(&after, |(at, _)| *at)
            .is_ok()
        {
            return self.world_before(after);
        }
        self.replay(before.clone(), i..after)
    }

    /// Runs the steps `range` on `w` quietly (their records are already in the trace).
    fn replay(&self, mut w: World, range: std::ops::Range<usize>) -> World {
        w.log = StepLog::default();
        for k in range {
            if let Some(step) = self.ops.get(k) {
                w.step = k;
                let (result, _) = exec(&mut w, &step.op);
                save_var(&mut w, step, &Outcome::from(result));
            }
        }
        w.log = StepLog {
            record: self.record,
            ..StepLog::default()
        };
        w
    }

    /// Runs one more step after the last (the sandbox). Rejects a step that names an
    /// unknown `$name`.
    pub fn append(&mut self, step: Step) -> Result<&StepTrace, LessonError> {
        crate::lesson::check_appended(&self.ops, &step)?;
        let mut world =
            std::mem::replace(&mut self.last, World::new(self.profile, self.knobs.clone()));
        self.run_next(&mut world, step);
        self.last = world;
        self.steps.last().ok_or_else(|| LessonError {
            step: None,
            op: None,
            field: None,
            message: "no step".into(),
        })
    }

    /// Runs `step` as the next one on `world` (the world after the last step) and
    /// records it: a snapshot before it every `SNAPSHOT_EVERY` steps when recording,
    /// its trace, and a failed `expect`.
    fn run_next(&mut self, world: &mut World, step: Step) {
        self.snapshot_before(world);
        let st = run_step(
            world,
            self.ops.len(),
            &step,
            self.profile,
            self.record,
            &mut self.freed_at,
        );
        self.push_step(st, step);
    }

    /// Takes a snapshot of `world` before the next step when one is due (recording only).
    fn snapshot_before(&mut self, world: &World) {
        let index = self.ops.len();
        if self.record && index >= self.next_snapshot {
            let mut snap = world.clone();
            snap.log = StepLog {
                record: true,
                ..StepLog::default()
            };
            self.snapshots.push((index, snap));
            self.next_snapshot = index + snapshot_gap(world);
        }
    }

    /// Records a step that has run: its trace, its op, a failed `expect`, its hazards.
    /// After a long step (one reporting more than [`MARKS_STORED_OVER`] line ids, such
    /// as a workqueue run of 200,000 groups) a snapshot is due at once, so nothing
    /// replays that step: [`Self::world_after_step`] and seeks start after it.
    fn push_step(&mut self, st: StepTrace, step: Step) {
        if st.expect_ok == Some(false) {
            self.expect_failures += 1;
        }
        if st.lines.len() > MARKS_STORED_OVER {
            self.next_snapshot = self.next_snapshot.min(st.index + 1);
        }
        self.hazards.record(&st);
        self.steps.push(st);
        self.ops.push(step);
    }

    /// Takes back the last step (the sandbox's undo).
    pub fn undo(&mut self) -> Option<Step> {
        let n = self.ops.len().checked_sub(1)?;
        let before = self.world_before(n);
        let step = self.ops.pop();
        if let Some(st) = self.steps.pop() {
            if st.expect_ok == Some(false) {
                self.expect_failures = self.expect_failures.saturating_sub(1);
            }
        }
        // Keep the snapshots before steps that still exist (and always the first).
        let keep = self.snapshots.partition_point(|(at, _)| *at < n).max(1);
        self.snapshots.truncate(keep);
        self.next_snapshot = self
            .snapshots
            .last()
            .map_or(0, |(at, w)| at + snapshot_gap(w));
        self.freed_at.retain(|_, at| *at < n);
        self.hazards.truncate(n);
        self.last = before;
        step
    }
}

/// Runs a lesson step by step; `advance` lets a UI compute a long run in chunks.
pub struct Runner {
    trace: Trace,
    world: World,
    pending: Pending,
    total: usize,
    /// A step whose work is spread over several calls of [`Runner::advance`].
    going: Option<Going>,
}

/// Groups of a long workqueue run handled per unit of [`Runner::advance`]'s budget: a
/// `run_faults` over 200,000 queued groups is spread over 12,500 units instead of
/// running in one piece (half a second in the page).
pub const GROUPS_PER_UNIT: usize = 16;

/// A `run_faults` step in progress: the step, its call in words (taken before it ran),
/// and the workqueue run.
struct Going {
    step: Step,
    summary: String,
    run: FaultRun,
}

/// The steps a [`Runner`] has still to run.
enum Pending {
    /// Its own copy of the steps.
    Owned(std::vec::IntoIter<Step>),
    /// A lesson's steps then more steps (the sandbox's), shared with the caller: each
    /// step is copied as it runs, so no call copies them all at once.
    Shared {
        lesson: Rc<Lesson>,
        more: Rc<Vec<Step>>,
        next: usize,
    },
}

impl Pending {
    fn is_done(&self) -> bool {
        match self {
            Pending::Owned(steps) => steps.len() == 0,
            Pending::Shared { lesson, more, next } => *next >= lesson.steps.len() + more.len(),
        }
    }

    fn next(&mut self) -> Option<Step> {
        match self {
            Pending::Owned(steps) => steps.next(),
            Pending::Shared { lesson, more, next } => {
                let k = *next;
                let step = match k.checked_sub(lesson.steps.len()) {
                    None => lesson.steps.get(k),
                    Some(j) => more.get(j),
                };
                *next += 1;
                step.cloned()
            }
        }
    }
}

impl Runner {
    /// Prepares to run `lesson` under `profile` with `knobs`. With `record` false only
    /// results and kernel log lines are kept (fast, for the CLI), and no snapshots.
    pub fn new(lesson: &Lesson, profile: Profile, knobs: Knobs, record: bool) -> Runner {
        Runner::from_lesson(lesson.clone(), profile, knobs, record)
    }

    /// As `new`, taking the lesson by value (no copy of its steps).
    pub fn from_lesson(lesson: Lesson, profile: Profile, knobs: Knobs, record: bool) -> Runner {
        let total = lesson.steps.len();
        let pending = Pending::Owned(lesson.steps.into_iter());
        Runner::start(lesson.title, pending, total, profile, knobs, record)
    }

    /// As `new` for `lesson`'s steps followed by `more` (the sandbox's), sharing both:
    /// nothing is copied up front (a 200,000-step lesson takes a tenth of a second to
    /// copy); each step is copied as [`Runner::advance`] runs it.
    pub fn shared(
        lesson: Rc<Lesson>,
        more: Rc<Vec<Step>>,
        profile: Profile,
        knobs: Knobs,
        record: bool,
    ) -> Runner {
        let total = lesson.steps.len().saturating_add(more.len());
        let title = lesson.title.clone();
        let pending = Pending::Shared {
            lesson,
            more,
            next: 0,
        };
        Runner::start(title, pending, total, profile, knobs, record)
    }

    fn start(
        title: String,
        pending: Pending,
        total: usize,
        profile: Profile,
        knobs: Knobs,
        record: bool,
    ) -> Runner {
        let mut world = World::new(profile, knobs.clone());
        world.log.record = record;
        Runner {
            trace: Trace {
                title,
                profile,
                knobs,
                steps: Vec::with_capacity(total),
                expect_failures: 0,
                ops: Vec::with_capacity(total),
                snapshots: Vec::new(),
                next_snapshot: 0,
                last: world.clone(),
                record,
                freed_at: HashMap::new(),
                hazards: Default::default(),
            },
            world,
            total,
            pending,
            going: None,
        }
    }

    /// Runs up to `n` more units of work: a step, or [`GROUPS_PER_UNIT`] groups of a
    /// recorded `run_faults` step over a longer queue, which is spread over as many
    /// calls as it needs (the step is still one step of the trace, with the same record
    /// as when run in one piece). True once every step has run.
    ///
    /// Cost: about `n` steps' work. Never fails.
    pub fn advance(&mut self, n: usize) -> bool {
        for _ in 0..n {
            if let Some(mut going) = self.going.take() {
                if self.world.run_faults_some(&mut going.run, GROUPS_PER_UNIT) {
                    self.end_going(going);
                } else {
                    self.going = Some(going);
                }
                continue;
            }
            let Some(step) = self.pending.next() else {
                return true;
            };
            if self.trace.record
                && matches!(step.op, Op::RunFaults {})
                && self.world.queue.len() > GROUPS_PER_UNIT
            {
                self.trace.snapshot_before(&self.world);
                let index = self.trace.ops.len();
                let summary = start_step(&mut self.world, index, &step, true);
                let run = self.world.run_faults_start();
                self.going = Some(Going { step, summary, run });
                continue;
            }
            self.trace.run_next(&mut self.world, step);
        }
        self.going.is_none() && self.pending.is_done()
    }

    /// Ends a `run_faults` step run in slices as [`exec`] ends one run whole, and
    /// records it.
    fn end_going(&mut self, going: Going) {
        // As `exec_op` ends `Op::RunFaults` run whole.
        let responses = Ok(Val::Responses(self.world.run_faults_end(going.run)));
        let done = (responses, handler(&self.world));
        let (result, func) = settled(&mut self.world, done);
        let st = finish_step(
            &mut self.world,
            &going.step,
            self.trace.profile,
            &mut self.trace.freed_at,
            Ran {
                summary: going.summary,
                result,
                func,
            },
        );
        self.trace.push_step(st, going.step);
    }

    /// The world after the steps run so far.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// (steps run, steps in all).
    pub fn progress(&self) -> (usize, usize) {
        (self.trace.ops.len(), self.total)
    }

    /// Runs what is left and returns the trace.
    pub fn finish(mut self) -> Trace {
        self.advance(usize::MAX);
        if self.trace.snapshots.is_empty() && self.trace.record {
            self.trace.snapshots.push((0, self.world.clone()));
        }
        self.trace.last = self.world;
        self.trace
    }
}

/// Runs `steps` under `profile` with `knobs`, handing each step's result to `on_step`
/// as it goes and keeping nothing: the fast path of the command line. Returns the number
/// of failed `expect`s.
pub fn run_streaming(
    steps: impl IntoIterator<Item = Step>,
    profile: Profile,
    knobs: Knobs,
    mut on_step: impl FnMut(&StepTrace),
) -> usize {
    let mut world = World::new(profile, knobs);
    let mut freed_at = HashMap::new();
    let mut failures = 0;
    for (index, step) in steps.into_iter().enumerate() {
        let st = run_step(&mut world, index, &step, profile, false, &mut freed_at);
        if st.expect_ok == Some(false) {
            failures += 1;
        }
        on_step(&st);
    }
    failures
}

/// Runs `lesson` under its own profile, recording everything.
///
/// # Examples
///
/// ```
/// use ioasid_core::{run_lesson, Lesson, Outcome};
///
/// let lesson = Lesson::parse(r#"{"format": 1, "title": "Two allocs and a free",
///     "profile": "v5.5", "steps": [
///     {"op": "alloc", "set": "sva", "min": 1, "max": 9, "as": "a", "expect": {"ok": 1}},
///     {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 2}},
///     {"op": "free", "id": "$a", "set": "sva"},
///     {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 1}}]}"#).unwrap();
/// let trace = run_lesson(&lesson).unwrap();
/// assert_eq!(trace.len(), 4);
/// assert_eq!(trace.expect_failures, 0);
/// assert_eq!(trace.steps[3].result, Outcome::id(1));
/// assert!(trace.steps[3].explain.contains("first fit hands it out again"));
/// // Any step's world can be looked at: after step 2, IDs 1 and 2 are taken.
/// let ids: Vec<u32> = trace.world_after(1).ids().map(|(id, _)| id).collect();
/// assert_eq!(ids, [1, 2]);
/// ```
pub fn run_lesson(lesson: &Lesson) -> Result<Trace, LessonError> {
    run_under(lesson, lesson.profile)
}

/// Runs `lesson` under `profile` with the lesson's knob overrides, recording everything.
pub fn run_under(lesson: &Lesson, profile: Profile) -> Result<Trace, LessonError> {
    let knobs = lesson.knobs_for(profile)?;
    Ok(Runner::new(lesson, profile, knobs, true).finish())
}

/// Runs `lesson` under `profile` with the lesson's knob overrides, keeping nothing but
/// its failed `expect`s: `on_miss` is handed each step whose `expect` did not hold, as
/// it runs. Returns how many failed; `Err` when the lesson's knobs do not fit `profile`.
pub fn check_expects_under(
    lesson: &Lesson,
    profile: Profile,
    mut on_miss: impl FnMut(&StepTrace),
) -> Result<usize, LessonError> {
    let knobs = lesson.knobs_for(profile)?;
    Ok(run_streaming(
        lesson.steps.iter().cloned(),
        profile,
        knobs,
        |s| {
            if s.expect_ok == Some(false) {
                on_miss(s);
            }
        },
    ))
}

/// A failed `expect`: the step (its index in `steps`) and op, and what went otherwise
/// (`expected {"ok":3}, got {"ok":2}`, see [`StepTrace::missed_expectation`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectMiss {
    pub index: usize,
    pub op: &'static str,
    pub miss: String,
}

/// A lesson's `expect`s checked under one profile: every one that failed, or why the
/// lesson could not run under it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectCheck {
    pub profile: Profile,
    pub misses: Result<Vec<ExpectMiss>, LessonError>,
}

/// Runs `lesson` under every profile it declares (`profile`, then each of `profiles`)
/// and reports, per profile, the `expect`s that failed. Nothing is recorded: the cost
/// is one fast run per profile.
///
/// # Examples
///
/// ```
/// use ioasid_core::{run::check_expects, Lesson, Profile};
///
/// // Under v5.11 the first ID is 1; the lesson wrongly expects 2 under `improved`.
/// let lesson = Lesson::parse(r#"{"format": 1, "title": "t", "profile": "v5.11",
///     "profiles": ["improved"],
///     "steps": [{"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 1},
///                "expect_in": {"improved": {"ok": 2}}}]}"#).unwrap();
/// let checks = check_expects(&lesson);
/// assert_eq!(checks.len(), 2);
/// assert_eq!(checks[0].profile, Profile::V5_11);
/// assert_eq!(checks[0].misses, Ok(vec![]));
/// let missed = checks[1].misses.as_ref().unwrap();
/// assert_eq!(missed.len(), 1);
/// assert_eq!(missed[0].miss, r#"expected {"ok":2}, got {"ok":1}"#);
/// ```
pub fn check_expects(lesson: &Lesson) -> Vec<ExpectCheck> {
    lesson
        .profiles
        .iter()
        .map(|&profile| {
            let mut list = Vec::new();
            let misses = check_expects_under(lesson, profile, |s| {
                list.extend(s.missed_expectation().map(|miss| ExpectMiss {
                    index: s.index,
                    op: s.op,
                    miss,
                }));
            })
            .map(|_| list);
            ExpectCheck { profile, misses }
        })
        .collect()
}

fn run_step(
    world: &mut World,
    index: usize,
    step: &Step,
    profile: Profile,
    record: bool,
    freed_at: &mut HashMap<Ioasid, usize>,
) -> StepTrace {
    let summary = start_step(world, index, step, record);
    let (result, func) = exec(world, &step.op);
    finish_step(
        world,
        step,
        profile,
        freed_at,
        Ran {
            summary,
            result,
            func,
        },
    )
}

/// Makes `world` ready to run step `index` and returns the call in words (empty when
/// not recording).
fn start_step(world: &mut World, index: usize, step: &Step, record: bool) -> String {
    world.step = index;
    world.log = StepLog {
        record,
        ..StepLog::default()
    };
    if record {
        describe_op(world, &step.op)
    } else {
        String::new()
    }
}

/// What running a step's op gave: its call in words (from before it ran), its result,
/// and the kernel function it ran.
struct Ran {
    summary: String,
    result: Result<Val, Errno>,
    func: Func,
}

/// Records the step that has just run on `world` (started by [`start_step`]): saves its
/// result under its `as` name, checks its `expect`, explains it, and takes its log.
fn finish_step(
    world: &mut World,
    step: &Step,
    profile: Profile,
    freed_at: &mut HashMap<Ioasid, usize>,
    ran: Ran,
) -> StepTrace {
    let Ran {
        summary,
        result,
        func,
    } = ran;
    let (index, record) = (world.step, world.log.record);
    let result = Outcome::from(result);
    save_var(world, step, &result);
    let mut log = std::mem::take(&mut world.log);
    world.log.record = record;
    let changed = log.take_changed();
    let expected = step.expect_for(profile).cloned();
    let expect_ok = expected.as_ref().map(|e| *e == result);
    let mut explain = String::new();
    let mut markers = Vec::new();
    if record {
        explain = explanation(&summary, &result, &log, freed_at);
        for e in &log.events {
            // Only first-fit storages hand a freed number straight back.
            if let Event::Erased { id, store } = e {
                if store != "default" && store != "global" {
                    continue;
                }
                freed_at.insert(*id, index);
            }
        }
        if result.is_err() {
            markers.push(Marker::Error);
        }
        if log.switched {
            markers.push(Marker::AllocatorSwitch);
        }
        // Responses returned (run_faults, flush) or sent on the way (an unbind drains
        // its PASID's requests).
        let responded = log.events.iter().any(|e| matches!(e, Event::Responded(_)));
        if responded || matches!(&result, Outcome::Ok(Val::Responses(r)) if !r.is_empty()) {
            markers.push(Marker::FaultResponse);
        }
        if expect_ok == Some(false) {
            markers.push(Marker::ExpectFailed);
        }
        if step.ask.is_some() {
            markers.push(Marker::Question);
        }
        if log.events.iter().any(|e| matches!(e, Event::Hazard { .. })) {
            markers.push(Marker::HazardCreated);
        }
        if log.events.iter().any(|e| match e {
            Event::HazardBites { .. } => true,
            Event::Hazard { hazard, .. } => hazard.momentary(),
            _ => false,
        }) {
            markers.push(Marker::HazardBites);
        }
    }
    let marks = (log.lines.len() > MARKS_STORED_OVER).then(|| {
        let marks = func.listing(profile).marks(&log.lines, ORDER_SHOWN);
        (profile, marks)
    });
    StepTrace {
        marks,
        index,
        op: step.op.name(),
        thread: step.thread.clone(),
        say: step.say_for(profile).map(str::to_string),
        call: summary,
        explain,
        result,
        kernel_log: log.kernel_log,
        events: log.events,
        func,
        lines: log.lines,
        changed,
        expect_ok,
        expected,
        markers,
    }
}

fn save_var(world: &mut World, step: &Step, result: &Outcome) {
    if let Some(name) = &step.save_as {
        let v = match result {
            Outcome::Ok(Val::Id(v)) => *v,
            _ => u64::from(INVALID_IOASID),
        };
        world.vars.insert(name.clone(), v);
    }
}

/// Resolves an ID argument: a number that fits 32 bits, or a saved `$name`.
fn resolve(world: &mut World, arg: &IdArg) -> Result<Ioasid, Errno> {
    let v = match arg {
        IdArg::Num(n, _) => *n,
        IdArg::Var(name) => world
            .vars
            .get(name)
            .copied()
            .unwrap_or(u64::from(INVALID_IOASID)),
    };
    Ioasid::try_from(v).map_err(|_| {
        world
            .log
            .explain(|| format!("{v} does not fit in a 32-bit ID"));
        Errno::EINVAL
    })
}

fn resolve_opt(world: &mut World, arg: &Option<IdArg>) -> Result<Option<Ioasid>, Errno> {
    arg.as_ref().map(|a| resolve(world, a)).transpose()
}

/// Runs one op. Returns its result and the kernel function it ran.
pub fn exec(w: &mut World, op: &Op) -> (Result<Val, Errno>, Func) {
    let done = exec_op(w, op);
    settled(w, done)
}

/// What every op ends with, run whole by [`exec`] or in slices by [`Runner::advance`]:
/// hazards an op ended without naming (the last pending request of a freed PASID
/// handled, the last attachment gone) are cleared, replays included. Returns `done`.
fn settled(w: &mut World, done: (Result<Val, Errno>, Func)) -> (Result<Val, Errno>, Func) {
    w.settle_hazards();
    done
}

fn exec_op(w: &mut World, op: &Op) -> (Result<Val, Errno>, Func) {
    let global = w.knobs.global_pasid;
    let id_val = |r: Result<Ioasid, Errno>| r.map(|id| Val::Id(u64::from(id)));
    match op {
        Op::SetCreate { set, token, quota } => {
            (w.set_create(set, token.as_ref(), *quota), Func::SetAlloc)
        }
        Op::SetFree { set } => (w.set_free(set), Func::SetAlloc),
        Op::NotifierRegister {
            name,
            priority,
            set,
        } => (
            w.notifier_register(name, *priority, set.as_ref()),
            Func::SetAlloc,
        ),
        Op::Alloc {
            set,
            min,
            max,
            data,
        } => {
            let f = if global {
                Func::GlobalPasid
            } else {
                Func::IoasidAlloc
            };
            let r = (|| {
                let (lo, hi) = (resolve(w, min)?, resolve(w, max)?);
                w.alloc(set.as_ref(), lo, hi, *data)
            })();
            (id_val(r), f)
        }
        Op::Free { id, set } => {
            let f = if global {
                Func::GlobalPasid
            } else {
                Func::IoasidFree
            };
            (resolve(w, id).and_then(|id| w.free(set.as_ref(), id)), f)
        }
        Op::Get { id, set } => (
            resolve(w, id).and_then(|id| w.get(set.as_ref(), id)),
            Func::IoasidGetPut,
        ),
        Op::Put { id, set } => (
            resolve(w, id).and_then(|id| w.put(set.as_ref(), id)),
            Func::IoasidGetPut,
        ),
        Op::GetIfOwned { id, mm } => (
            resolve(w, id).and_then(|id| w.get_if_owned(id, mm)),
            Func::SetPrivateIds,
        ),
        Op::Find { set, id, getter } => {
            let r = resolve(w, id).and_then(|id| w.find(set.as_ref(), id, *getter));
            (r.map(|d| d.map_or(Val::Null, Val::Data)), Func::IoasidFind)
        }
        Op::SetData { id, data } => (
            resolve(w, id).and_then(|id| w.set_data(id, *data, DataUpdate::Set)),
            Func::IoasidSetData,
        ),
        Op::AttachData { id, data } => (
            resolve(w, id).and_then(|id| w.set_data(id, Some(*data), DataUpdate::Attach)),
            Func::IoasidSetData,
        ),
        Op::DetachData { id } => (
            resolve(w, id).and_then(|id| w.set_data(id, None, DataUpdate::Detach)),
            Func::IoasidSetData,
        ),
        Op::AttachSpid { id, spid } => (
            resolve(w, id).and_then(|id| w.attach_spid(id, *spid)),
            Func::SetPrivateIds,
        ),
        Op::DetachSpid { id } => (
            resolve(w, id).and_then(|id| w.detach_spid(id)),
            Func::SetPrivateIds,
        ),
        Op::FindBySpid { set, spid } => (w.find_by_spid(set, *spid), Func::SetPrivateIds),
        Op::HostCreate { host, min, max } => {
            let r = (|| {
                let (lo, hi) = (resolve(w, min)?, resolve(w, max)?);
                w.host_create(host, lo, hi)
            })();
            (r, Func::VcmdHost)
        }
        Op::HostAnswer { host, answers } => (w.host_answer(host, answers), Func::VcmdHost),
        Op::HostAlloc { host, guest } => (w.host_alloc(host, guest), Func::VcmdHost),
        Op::HostFree { host, id } => (
            resolve(w, id).and_then(|id| w.host_free(host, id)),
            Func::VcmdHost,
        ),
        Op::Register {
            allocator,
            fns,
            host,
        } => (
            w.register(allocator, fns, host.as_ref()),
            Func::RegisterAllocator,
        ),
        Op::Unregister { allocator } => (w.unregister(allocator), Func::UnregisterAllocator),
        Op::MmCreate { mm, maps } => (w.mm_create(mm, maps), Func::Process),
        Op::MmExit { mm } => (w.mm_exit(mm), Func::Process),
        Op::Bind {
            device,
            mm,
            min,
            max,
        } => {
            let f = if global {
                Func::GlobalPasid
            } else {
                Func::SvaBind
            };
            let r = (|| {
                let (lo, hi) = (resolve_opt(w, min)?, resolve_opt(w, max)?);
                w.bind(device, mm, lo, hi)
            })();
            (r, f)
        }
        Op::Unbind { device, mm } => (w.unbind(device, mm), Func::SvaUnbind),
        Op::Fault {
            device,
            pasid,
            addr,
            perm,
            group,
            last,
        } => {
            let r = resolve_opt(w, pasid).and_then(|pasid| {
                w.fault(
                    device,
                    crate::fault::PageRequest {
                        pasid,
                        addr: addr.0,
                        perm: *perm,
                        group: *group,
                        last: *last,
                        issued: None,
                    },
                )
            });
            (r, Func::PageRequest)
        }
        Op::RunFaults {} => (w.run_faults(), handler(w)),
        Op::Flush { device } => (w.flush(device), handler(w)),
        Op::Overflow { device } => (w.overflow(device), Func::PageRequest),
        Op::AttachPasid {
            device,
            pasid,
            domain,
        } => (
            resolve(w, pasid).and_then(|p| w.attach_pasid(device, p, domain)),
            Func::GlobalPasid,
        ),
        Op::DetachPasid { device, pasid } => (
            resolve(w, pasid).and_then(|p| w.detach_pasid(device, p)),
            Func::GlobalPasid,
        ),
        Op::ReadBegin { reader, set, id } => (
            resolve(w, id).and_then(|id| w.read_begin(reader, set.as_ref(), id)),
            Func::RcuReader,
        ),
        Op::ReadEnd { reader } => (w.read_end(reader), Func::RcuReader),
    }
}

/// The fault handler's listing for the world's era: PASID -> mm through the SVA set, or
/// (v6.6) the attached domain's handler.
fn handler(w: &World) -> Func {
    if w.knobs.global_pasid {
        Func::DomainFaultHandler
    } else {
        Func::FaultHandler
    }
}
