//! Running a lesson: each step's op against the world, its result, what it did, and
//! snapshots so the UI can jump to any step in constant time (a snapshot every
//! `SNAPSHOT_EVERY` steps, sharing structure, plus a replay of at most that many steps).
use crate::id::{Errno, Ioasid, Name, INVALID_IOASID};
use crate::lesson::{IdArg, Lesson, LessonError, Op, Step};
use crate::profile::{Knobs, Profile};
use crate::pseudo::Func;
use crate::space::{DataUpdate, World};
use crate::trace::{outcome_words, Event, Marker, Outcome, StepLog, StepTrace, Val};
use serde::Serialize;
use std::collections::HashMap;

/// How many steps lie between two snapshots, at least.
pub const SNAPSHOT_EVERY: usize = 32;

/// A snapshot shares the ID trees but copies the rest of the world (sets, processes,
/// queued faults, readers...). When that rest is big, snapshots are spaced out so that
/// a trace keeps about this many copied elements per step, at most: a lesson that
/// queues 100,000 faults then runs 100,000 more steps must not keep 3,000 copies of
/// the queue. Seeking then replays more steps (up to `weight / WEIGHT_PER_STEP`).
pub const WEIGHT_PER_STEP: usize = 16;

/// Steps from a snapshot of `w` to the next one.
fn snapshot_gap(w: &World) -> usize {
    SNAPSHOT_EVERY.max(w.weight() / WEIGHT_PER_STEP)
}

/// The result of running a lesson.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub title: String,
    pub profile: Profile,
    pub knobs: Knobs,
    pub steps: Vec<StepTrace>,
    /// Steps whose `expect` did not hold.
    pub expect_failures: usize,
    /// The steps run, for replay and export.
    #[serde(skip)]
    pub ops: Vec<Step>,
    /// `(n, world before step n)`, in step order; the first is before step 0.
    #[serde(skip)]
    snapshots: Vec<(usize, World)>,
    /// The step before which the next snapshot is taken.
    #[serde(skip)]
    next_snapshot: usize,
    /// The world after the last step.
    #[serde(skip)]
    last: World,
    #[serde(skip)]
    record: bool,
    /// ID -> the step that last erased it from a first-fit storage, for the reuse note.
    #[serde(skip)]
    freed_at: HashMap<Ioasid, usize>,
}

impl Trace {
    /// The number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// True if no step ran.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The world before any step.
    pub fn initial(&self) -> World {
        self.snapshots
            .first()
            .map(|(_, w)| w.clone())
            .unwrap_or_else(|| self.last.clone())
    }

    /// How many snapshots the trace keeps (for measurements and tests).
    pub fn snapshot_count(&self) -> usize {
        self.snapshots.len()
    }

    /// The world after the last step.
    pub fn last_world(&self) -> &World {
        &self.last
    }

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
        let mut w = snap.clone();
        // Replay quietly: the steps' records are already in the trace.
        w.log = StepLog::default();
        for k in *at..n {
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
        let st = run_step(
            world,
            index,
            &step,
            self.profile,
            self.record,
            &mut self.freed_at,
        );
        if st.expect_ok == Some(false) {
            self.expect_failures += 1;
        }
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
        self.last = before;
        step
    }
}

/// Runs a lesson step by step; `advance` lets a UI compute a long run in chunks.
pub struct Runner {
    trace: Trace,
    world: World,
    pending: std::vec::IntoIter<Step>,
    total: usize,
}

impl Runner {
    /// Prepares to run `lesson` under `profile` with `knobs`. With `record` false only
    /// results and warnings are kept (fast, for the CLI), and no snapshots.
    pub fn new(lesson: &Lesson, profile: Profile, knobs: Knobs, record: bool) -> Runner {
        Runner::from_lesson(lesson.clone(), profile, knobs, record)
    }

    /// As `new`, taking the lesson by value (no copy of its steps).
    pub fn from_lesson(lesson: Lesson, profile: Profile, knobs: Knobs, record: bool) -> Runner {
        let mut world = World::new(profile, knobs.clone());
        world.log.record = record;
        Runner {
            trace: Trace {
                title: lesson.title.clone(),
                profile,
                knobs,
                steps: Vec::with_capacity(lesson.steps.len()),
                expect_failures: 0,
                ops: Vec::with_capacity(lesson.steps.len()),
                snapshots: Vec::new(),
                next_snapshot: 0,
                last: world.clone(),
                record,
                freed_at: HashMap::new(),
            },
            world,
            total: lesson.steps.len(),
            pending: lesson.steps.into_iter(),
        }
    }

    /// Runs up to `n` more steps; true once every step has run.
    pub fn advance(&mut self, n: usize) -> bool {
        for _ in 0..n {
            let Some(step) = self.pending.next() else {
                return true;
            };
            self.trace.run_next(&mut self.world, step);
        }
        self.pending.len() == 0
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
pub fn run_lesson(lesson: &Lesson) -> Result<Trace, LessonError> {
    run_under(lesson, lesson.profile)
}

/// Runs `lesson` under `profile` with the lesson's knob overrides, recording everything.
pub fn run_under(lesson: &Lesson, profile: Profile) -> Result<Trace, LessonError> {
    let knobs = lesson.knobs_for(profile)?;
    Ok(Runner::new(lesson, profile, knobs, true).finish())
}

fn run_step(
    world: &mut World,
    index: usize,
    step: &Step,
    profile: Profile,
    record: bool,
    freed_at: &mut HashMap<Ioasid, usize>,
) -> StepTrace {
    world.step = index;
    world.log = StepLog {
        record,
        ..StepLog::default()
    };
    let summary = if record {
        describe_op(world, &step.op)
    } else {
        String::new()
    };
    let (result, func) = exec(world, &step.op);
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
        explain = format!(
            "{summary} {}.",
            outcome_words(&result, &log.events, !log.warnings.is_empty())
        );
        let first_fit = |id: Ioasid| {
            log.events
                .iter()
                .any(|e| matches!(e, Event::Search { found: Some(f), .. } if *f == id))
        };
        if let Outcome::Ok(Val::Id(v)) = &result {
            let reused = u32::try_from(*v).ok().filter(|id| first_fit(*id));
            if let Some(at) = reused.and_then(|id| freed_at.get(&id)) {
                explain.push_str(&format!(
                    " ({v} was freed at step {}: first fit hands it out again at once.)",
                    at + 1
                ));
            }
        }
        for part in &log.explain {
            explain.push(' ');
            // A sentence opens with a capital, unless it opens with a name ("mm A ...",
            // "viommu0 is ...", "dev0's PASID"): names are written as the lesson wrote them.
            let first_word = part.split([' ', '\'', ',']).next().unwrap_or_default();
            let is_name = first_word == "mm"
                || first_word.chars().any(|c| c.is_ascii_digit())
                || Name::is_known(first_word);
            let mut chars = part.chars();
            match chars.next() {
                Some(first) if !is_name => {
                    explain.extend(first.to_uppercase());
                    explain.push_str(chars.as_str());
                }
                _ => explain.push_str(part),
            }
            if !part.ends_with(['.', ':', '!', '?']) {
                explain.push('.');
            }
        }
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
    }
    StepTrace {
        index,
        op: step.op.name(),
        thread: step.thread.clone(),
        say: step.say.clone(),
        call: summary,
        explain,
        result,
        warnings: log.warnings,
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
        IdArg::Num(n) => *n,
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

fn arg(w: &World, a: &IdArg) -> String {
    match a {
        IdArg::Num(n) => n.to_string(),
        // The learner sees the number; the lesson's variable name is its author's.
        IdArg::Var(v) => match w.vars.get(v) {
            Some(n) => n.to_string(),
            None => format!("${v}"),
        },
    }
}

fn set_arg(s: &Option<Name>) -> String {
    s.as_ref()
        .map_or_else(|| "no set".into(), |s| format!("set {s}"))
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

/// The op in words, e.g. "alloc(set sva, [1, 1048575], mm A)".
pub fn describe_op(w: &World, op: &Op) -> String {
    // Inside an argument list: "no data", not the label's parenthesised gloss.
    let data = |d: &Option<crate::id::Data>| d.map_or_else(|| "no data".into(), |d| d.label());
    match op {
        Op::Alloc {
            set,
            min,
            max,
            data: d,
        } => {
            format!(
                "alloc({}, [{}, {}], {})",
                set_arg(set),
                arg(w, min),
                arg(w, max),
                data(d)
            )
        }
        Op::Free { id, set } => format!(
            "free({}{})",
            arg(w, id),
            set.as_ref().map_or(String::new(), |s| format!(", set {s}"))
        ),
        Op::Get { id, .. } => format!("get({})", arg(w, id)),
        Op::Put { id, .. } => format!("put({})", arg(w, id)),
        Op::GetIfOwned { id, mm } => format!("get_if_owned({}) from mm {mm}", arg(w, id)),
        Op::Find { set, id, getter } => format!(
            "find({}, {}{})",
            set.as_ref()
                .map_or_else(|| "any set".into(), |s| format!("set {s}")),
            arg(w, id),
            if getter.is_some() { ", mm getter" } else { "" }
        ),
        Op::SetData { id, data: d } => format!("set_data({}, {})", arg(w, id), data(d)),
        Op::AttachData { id, data: d } => format!("attach_data({}, {})", arg(w, id), d.label()),
        Op::DetachData { id } => format!("detach_data({})", arg(w, id)),
        Op::AttachSpid { id, spid } => format!("attach_spid({}, guest PASID {spid})", arg(w, id)),
        Op::FindBySpid { set, spid } => format!("find_by_spid(set {set}, guest PASID {spid})"),
        Op::SetCreate { set, token, quota } => format!(
            "set_create({set}{}{})",
            token
                .as_ref()
                .map_or(String::new(), |t| format!(", mm {t}")),
            quota.map_or(String::new(), |q| format!(", quota {q}"))
        ),
        Op::SetFree { set } => format!("set_free({set})"),
        Op::HostCreate { host, min, max } => format!(
            "host {host} created for [{}, {}]:",
            arg(w, min),
            arg(w, max)
        ),
        Op::HostAnswer { host, answers } => {
            format!("host {host} scripted {} answer(s):", answers.len())
        }
        Op::HostAlloc { host, guest } => format!("{guest} asks host {host} for a PASID:"),
        Op::HostFree { host, id } => format!("host {host} frees {}:", arg(w, id)),
        Op::Register { allocator, fns, .. } => {
            format!("register_allocator({allocator}, functions {fns})")
        }
        Op::Unregister { allocator } => format!("unregister_allocator({allocator})"),
        Op::MmCreate { mm, .. } => format!("process {mm} starts:"),
        Op::MmExit { mm } => format!("process {mm} exits:"),
        Op::Bind { device, mm, .. } => format!("bind({device}, mm {mm})"),
        Op::Unbind { device, mm } => format!("unbind({device}, mm {mm})"),
        Op::Fault {
            device,
            pasid,
            addr,
            perm,
            group,
            last,
        } => format!(
            "{device} sends a page request ({}, {:#x}, {perm}, group {group}{}):",
            pasid
                .as_ref()
                .map_or_else(|| "no PASID".into(), |p| format!("PASID {}", arg(w, p))),
            addr.0,
            if *last { ", last" } else { "" }
        ),
        Op::RunFaults {} => "the fault workqueue runs:".into(),
        Op::Flush { device } => format!("flush({device}):"),
        Op::Overflow { device } => format!("{device}'s page request queue overflows:"),
        Op::AttachPasid {
            device,
            pasid,
            domain,
        } => format!(
            "attach_device_pasid(domain {domain}, {device}, {})",
            arg(w, pasid)
        ),
        Op::DetachPasid { device, pasid } => {
            format!("detach_device_pasid({device}, {})", arg(w, pasid))
        }
        Op::ReadBegin { reader, set, id } => format!(
            "{reader}: rcu_read_lock(); find({}, {})",
            set_arg(set),
            arg(w, id)
        ),
        Op::ReadEnd { reader } => format!("{reader}: rcu_read_unlock()"),
        Op::NotifierRegister {
            name,
            priority,
            set,
        } => format!(
            "register notifier {name} ({} priority) on {}",
            priority.label(),
            set.as_ref()
                .map_or_else(|| "the global chain".into(), |s| format!("set {s}"))
        ),
    }
}
