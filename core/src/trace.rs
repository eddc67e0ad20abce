//! The trace: what running a lesson produced, step by step, and the snapshots of the
//! world it keeps so the UI can jump to any step in constant time (a snapshot every
//! `SNAPSHOT_EVERY` steps, sharing structure, plus a replay of at most that many steps:
//! the replay itself is in `run`). It is the one thing the UI, the CLI and the tests
//! consume.
use crate::hazard::{HazardBook, HazardKind};
use crate::id::{Data, Errno, Ioasid, Name};
use crate::lesson::Step;
use crate::profile::{Knobs, Profile};
use crate::pseudo::{Func, LineMark, Listing, ORDER_SHOWN};
use crate::world::World;
use crate::xarray::XaVisit;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A step's result: exactly one of `{"ok": VALUE}` or `{"err": "NAME"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Outcome {
    Ok(Val),
    Err(Errno),
}

/// The value of a successful step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Val {
    Null,
    Bool(bool),
    Id(u64),
    Data(Data),
    Responses(Vec<Response>),
}

impl Val {
    /// The ID this value carries, if it is one.
    pub fn id(&self) -> Option<Ioasid> {
        match self {
            Val::Id(v) => Ioasid::try_from(*v).ok(),
            _ => None,
        }
    }
}

impl Outcome {
    /// `{"ok": id}`.
    pub fn id(id: Ioasid) -> Outcome {
        Outcome::Ok(Val::Id(u64::from(id)))
    }
    /// `{"ok": null}`.
    pub fn null() -> Outcome {
        Outcome::Ok(Val::Null)
    }
    /// True for an `err`.
    pub fn is_err(&self) -> bool {
        matches!(self, Outcome::Err(_))
    }
}

impl From<Result<Val, Errno>> for Outcome {
    fn from(r: Result<Val, Errno>) -> Self {
        match r {
            Ok(v) => Outcome::Ok(v),
            Err(e) => Outcome::Err(e),
        }
    }
}

/// A page response code.
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Code {
    SUCCESS,
    INVALID,
    FAILURE,
}

/// One page response, sent once per fault group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    pub device: Name,
    pub pasid: Option<Ioasid>,
    pub group: u32,
    pub code: Code,
    /// The mm that served the group, if one did.
    pub mm: Option<Name>,
}

/// Where a page request stopped on its way through the fault path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultStage {
    /// The request carried no PASID.
    NoPasid,
    /// `find(sva_set, pasid, mm_get)`: the PASID -> set -> data lookup.
    Lookup,
    /// The getter (is the mm alive?).
    Getter,
    /// The (device, PASID) -> domain attachment (v6.6).
    Domain,
    /// The attached domain's fault handler: only an SVA domain has one (v6.6).
    Handler,
    /// The address lookup in the mm.
    Mapping,
    /// The mapping's permissions.
    Permission,
    /// Skipped: an earlier request of the group failed (errors are sticky).
    Skipped,
    /// The page was made present.
    Done,
}

/// Something a step did, for the UI to show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// The lowest-free search in an allocator's storage, with the nodes it visited.
    Search {
        store: String,
        min: Ioasid,
        max: Ioasid,
        path: Vec<XaVisit>,
        found: Option<Ioasid>,
    },
    /// A custom allocator's callback was called.
    CustomCall {
        allocator: Name,
        call: String,
        id: Option<Ioasid>,
    },
    /// The paravirtual host answered an ALLOC command.
    HostAnswer {
        host: Name,
        answer: Option<Ioasid>,
        scripted: bool,
    },
    /// The host's ID was freed, or the free was skipped.
    HostFree {
        host: Name,
        id: Ioasid,
        skipped: bool,
    },
    /// An entry was stored in an allocator's storage.
    Stored { id: Ioasid, store: String },
    /// An entry was erased from an allocator's storage.
    Erased { id: Ioasid, store: String },
    /// A duplicate custom answer was rolled back.
    Rollback { id: Ioasid, freed_at_backend: bool },
    /// The active allocator changed.
    ActiveChanged { from: String, to: String },
    /// IDs lost with their allocator: they can be handed out again.
    Orphaned { ids: Vec<Ioasid>, count: usize },
    /// A notifier was told of an event.
    Notified {
        event: String,
        id: Ioasid,
        set: Option<Name>,
        to: Name,
        priority: String,
    },
    /// A reader looked an ID up under rcu_read_lock and saw this.
    ReaderSaw {
        reader: Name,
        id: Ioasid,
        saw: Option<Data>,
    },
    /// A writer published new data and waits for these readers.
    GraceStarted {
        id: Ioasid,
        /// The first readers waited for (at most 8)...
        waiting: Vec<Name>,
        /// ...and how many more.
        #[serde(default, skip_serializing_if = "is_zero")]
        more: usize,
    },
    /// The grace period ended: the writer returns.
    GraceEnded { id: Ioasid },
    /// The call returned normally, but left a hazard the kernel does not see (an ID
    /// with two owners, another owner's ID freed): the narration flags it, and the
    /// ledger lists it from this step on.
    Hazard {
        hazard: HazardKind,
        id: Ioasid,
        what: String,
    },
    /// A hazard did its harm at this step: the model's words for what happened.
    HazardBites {
        hazard: HazardKind,
        id: Ioasid,
        what: String,
    },
    /// A hazard is gone (the ID freed properly, the requests drained).
    HazardCleared { hazard: HazardKind, id: Ioasid },
    /// A reference count changed.
    Refs { id: Ioasid, refs: u32 },
    /// An ID's lifecycle state changed.
    State { id: Ioasid, state: String },
    /// A page request was held until the last request of its group.
    FaultHeld { device: Name, group: u32 },
    /// A group was formed and queued.
    FaultQueued {
        device: Name,
        group: u32,
        requests: usize,
    },
    /// A request reached a stage of the fault path.
    FaultStep {
        device: Name,
        group: u32,
        pasid: Option<Ioasid>,
        addr: u64,
        /// The access asked for, in words: "read", "read and write"...
        access: String,
        stage: FaultStage,
        ok: bool,
        detail: String,
        /// Served, but stale: the PASID was freed and handed out again after the
        /// request was sent, so it was served in another owner's address space.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        stale: bool,
    },
    /// A response was sent.
    Responded(Response),
    /// Held partial requests were discarded.
    Discarded { device: Name, count: usize },
    /// A plain-words note.
    Note { text: String },
}

/// A mark on the timeline for a step that matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Marker {
    Error,
    AllocatorSwitch,
    FaultResponse,
    ExpectFailed,
    Question,
    /// A hazard is created.
    HazardCreated,
    /// A hazard does its harm.
    HazardBites,
}

/// Everything one step produced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepTrace {
    pub index: usize,
    pub op: &'static str,
    pub thread: Option<String>,
    /// The lesson's narration under the run's profile (`Step::say_for`), if it gave one.
    pub say: Option<String>,
    /// The call in words, with its arguments' values before it ran, e.g.
    /// "alloc(set sva, [10, 5], no data)" (empty in a run that does not record).
    pub call: String,
    /// A narration generated from what happened: the result in words, and why.
    pub explain: String,
    pub result: Outcome,
    /// The lines this era's kernel prints at this step, in its own words (`dmesg`):
    /// nothing of the model's goes here (see [`StepLog::klog`]).
    pub kernel_log: Vec<String>,
    pub events: Vec<Event>,
    /// The kernel function the step runs (for the code pane).
    pub func: Func,
    /// Line ids of `func`'s listing that ran, in order.
    pub lines: Vec<&'static str>,
    /// The code pane's marks of `func`'s listing under the run's profile, computed as
    /// the step ran when it reported more than [`MARKS_STORED_OVER`] ids (a step
    /// answering 200,000 page requests reports millions): see [`StepTrace::line_marks`].
    #[serde(skip)]
    pub marks: Option<(Profile, Vec<LineMark>)>,
    /// IDs whose entry changed at this step.
    pub changed: Vec<Ioasid>,
    /// `Some(true)` if the step had an `expect` and it held.
    pub expect_ok: Option<bool>,
    pub expected: Option<Outcome>,
    pub markers: Vec<Marker>,
}

/// Sentences of the model's explanation kept per step; the rest are counted.
pub const EXPLAINED: usize = 12;

/// A step that reports more line ids than this has its code-pane marks computed once,
/// as it runs (`StepTrace::marks`), rather than on every draw of the pane.
pub const MARKS_STORED_OVER: usize = 256;

impl StepTrace {
    /// How each line of `func`'s listing under `profile` shows in the code pane: the
    /// marks computed as the step ran when they are for this profile, otherwise
    /// [`Listing::marks`] over [`Self::lines`] (`revealed == false`: none ran yet).
    ///
    /// Cost: the listing's size, or the ids reported for a step without stored marks.
    /// Never fails.
    pub fn line_marks(&self, profile: Profile, revealed: bool) -> (Listing, Vec<LineMark>) {
        let listing = self.func.listing(profile);
        let marks = match &self.marks {
            _ if !revealed => listing.marks(&[], ORDER_SHOWN),
            Some((p, m)) if *p == profile => m.clone(),
            _ => listing.marks(&self.lines, ORDER_SHOWN),
        };
        (listing, marks)
    }
}

/// What one step accumulates while it runs. Cleared before each step.
#[derive(Clone, Debug, Default)]
pub struct StepLog {
    /// When false, only the kernel log is kept (a fast CLI run).
    pub record: bool,
    pub kernel_log: Vec<String>,
    pub events: Vec<Event>,
    pub lines: Vec<&'static str>,
    /// The model's sentences for the step: the first [`EXPLAINED`]; the others are
    /// counted in `unexplained` (a step answering 200,000 page requests says one
    /// sentence per group).
    pub explain: Vec<String>,
    pub unexplained: usize,
    pub changed: Vec<Ioasid>,
    pub switched: bool,
    /// While above zero, `explain` is silent (an internal call narrates nothing).
    pub quiet: u32,
}

impl StepLog {
    /// Records an event (only when recording).
    pub fn event(&mut self, e: impl FnOnce() -> Event) {
        if self.record {
            self.events.push(e());
        }
    }
    /// Records a pseudo-code line as run.
    pub fn line(&mut self, id: &'static str) {
        if self.record {
            self.lines.push(id);
        }
    }
    /// A line the kernel of this profile's era prints here, in its exact words with the
    /// values filled in (`Trying to free unknown IOASID 7`); a bare `WARN_ON` is written
    /// `WARNING: at FILE:LINE` for that era's file and line. Only the kernel's words go
    /// here: the project's kernel reference (`docs/kernel-reference/`) cites each one.
    /// What the kernel does not print is the model's, and goes to [`StepLog::hazard`] or
    /// [`StepLog::explain`].
    pub fn klog(&mut self, line: impl Into<String>) {
        self.kernel_log.push(line.into());
    }
    /// A hazard the kernel cannot see (a PASID with two owners, another owner's ID
    /// freed, a stale pointer still in use): the model's words, shown as the model's.
    /// Recorded only when recording, like every event.
    /// The world keeps lasting hazards in its live set: create them through
    /// `World::hazard_created`, which calls this.
    pub fn hazard(&mut self, hazard: HazardKind, id: Ioasid, what: impl FnOnce() -> String) {
        self.event(|| Event::Hazard {
            hazard,
            id,
            what: what(),
        });
    }
    /// A piece of the generated narration.
    pub fn explain(&mut self, s: impl FnOnce() -> String) {
        if self.record && self.quiet == 0 {
            if self.explain.len() < EXPLAINED {
                self.explain.push(s());
            } else {
                self.unexplained += 1;
            }
        }
    }
    /// Marks an ID as changed at this step. Cost: O(1) (a step that touches many IDs,
    /// such as an unregister orphaning thousands, must stay linear).
    pub fn changed(&mut self, id: Ioasid) {
        if self.record && self.changed.last() != Some(&id) {
            self.changed.push(id);
        }
    }

    /// The IDs changed at this step, each once, in ascending order.
    pub fn take_changed(&mut self) -> Vec<Ioasid> {
        let mut ids = std::mem::take(&mut self.changed);
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// For `skip_serializing_if`: leaves a zero count out of the JSON.
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// How many steps lie between two snapshots, at least.
pub const SNAPSHOT_EVERY: usize = 32;

/// A snapshot shares the ID trees but copies the rest of the world (sets, processes,
/// queued faults, readers...). When that rest is big, snapshots are spaced out so that
/// a trace keeps about this many copied elements per step, at most: a lesson that
/// queues 100,000 faults then runs 100,000 more steps must not keep 3,000 copies of
/// the queue. Seeking then replays more steps (up to `weight / WEIGHT_PER_STEP`).
pub const WEIGHT_PER_STEP: usize = 16;

/// Steps from a snapshot of `w` to the next one.
pub(crate) fn snapshot_gap(w: &World) -> usize {
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
    pub(crate) snapshots: Vec<(usize, World)>,
    /// The step before which the next snapshot is taken.
    #[serde(skip)]
    pub(crate) next_snapshot: usize,
    /// The world after the last step.
    #[serde(skip)]
    pub(crate) last: World,
    #[serde(skip)]
    pub(crate) record: bool,
    /// ID -> the step that last erased it from a first-fit storage, for the reuse note.
    #[serde(skip)]
    pub(crate) freed_at: HashMap<Ioasid, usize>,
    /// Every hazard's life, kept as steps run (see [`Trace::ledger`]).
    #[serde(skip)]
    pub(crate) hazards: HazardBook,
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
}
