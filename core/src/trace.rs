//! The trace: what running a lesson produced, step by step. It is the one thing the UI,
//! the CLI and the tests consume.
use crate::id::{Data, Errno, Ioasid, Name};
use crate::pseudo::Func;
use crate::xarray::XaVisit;
use serde::{Deserialize, Serialize};

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
    /// The result in words, e.g. "returned 2" or "failed: ENOENT (no such ID ...)".
    pub fn describe(&self) -> String {
        match self {
            Outcome::Err(e) => format!("failed: {} ({})", e.name(), e.meaning()),
            Outcome::Ok(Val::Null) => "succeeded".to_string(),
            Outcome::Ok(Val::Bool(b)) => format!("returned {b}"),
            Outcome::Ok(Val::Id(v)) => format!("returned {v}"),
            Outcome::Ok(Val::Data(d)) => format!("returned {}", d.label()),
            Outcome::Ok(Val::Responses(r)) if r.is_empty() => {
                "sent no response: no formed group was waiting".to_string()
            }
            Outcome::Ok(Val::Responses(r)) => {
                let parts: Vec<String> = r.iter().map(Response::describe).collect();
                format!("sent {}", parts.join("; "))
            }
        }
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

impl Response {
    /// "SUCCESS to dev0 group 1 (PASID 2, mm A)".
    pub fn describe(&self) -> String {
        let pasid = self
            .pasid
            .map_or("no PASID".to_string(), |p| format!("PASID {p}"));
        let mm = self
            .mm
            .as_ref()
            .map_or(String::new(), |m| format!(", mm {m}"));
        format!(
            "{:?} to {} group {} ({pasid}{mm})",
            self.code, self.device, self.group
        )
    }
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
    /// with two owners, another owner's ID freed): the narration flags it.
    Hazard { id: Ioasid, what: String },
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
}

/// The result in words: [`Outcome::describe`], except for a call that returned nothing
/// and did not simply succeed: it discarded requests, has not returned yet (a writer
/// waiting for a grace period), or only logged a warning (`warned`). The narration's
/// sentence and its result chip both read it.
pub fn outcome_words(result: &Outcome, events: &[Event], warned: bool) -> String {
    if !matches!(result, Outcome::Ok(Val::Null)) {
        return result.describe();
    }
    let discarded: usize = events
        .iter()
        .map(|e| match e {
            Event::Discarded { count, .. } => *count,
            _ => 0,
        })
        .sum();
    if discarded > 0 {
        format!("{discarded} held request(s) discarded (their group never forms)")
    } else if events
        .iter()
        .any(|e| matches!(e, Event::GraceStarted { .. }))
    {
        "published; the call has not returned yet: it waits in synchronize_rcu()".into()
    } else if warned {
        "returned, with a warning logged".into()
    } else {
        result.describe()
    }
}

/// Everything one step produced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepTrace {
    pub index: usize,
    pub op: &'static str,
    pub thread: Option<String>,
    /// The lesson's narration, if it gave one.
    pub say: Option<String>,
    /// The call in words, with its arguments' values before it ran, e.g.
    /// "alloc(set sva, [10, 5], no data)" (empty in a run that does not record).
    pub call: String,
    /// A narration generated from what happened: the result in words, and why.
    pub explain: String,
    pub result: Outcome,
    pub warnings: Vec<String>,
    pub events: Vec<Event>,
    /// The kernel function the step runs (for the code pane).
    pub func: Func,
    /// Line ids of `func`'s listing that ran, in order.
    pub lines: Vec<&'static str>,
    /// IDs whose entry changed at this step.
    pub changed: Vec<Ioasid>,
    /// `Some(true)` if the step had an `expect` and it held.
    pub expect_ok: Option<bool>,
    pub expected: Option<Outcome>,
    pub markers: Vec<Marker>,
}

impl StepTrace {
    /// When this step's `expect` failed: `expected {"ok":3}, got {"ok":2}`, results as a
    /// lesson writes them (the command line and the web app name misses alike).
    pub fn missed_expectation(&self) -> Option<String> {
        (self.expect_ok == Some(false)).then(|| {
            format!(
                "expected {}, got {}",
                serde_json::to_string(&self.expected).unwrap_or_default(),
                serde_json::to_string(&self.result).unwrap_or_default()
            )
        })
    }
}

/// What one step accumulates while it runs. Cleared before each step.
#[derive(Clone, Debug, Default)]
pub struct StepLog {
    /// When false, only warnings are kept (a fast CLI run).
    pub record: bool,
    pub warnings: Vec<String>,
    pub events: Vec<Event>,
    pub lines: Vec<&'static str>,
    pub explain: Vec<String>,
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
    /// A warning the kernel would log.
    pub fn warn(&mut self, w: impl Into<String>) {
        self.warnings.push(w.into());
    }
    /// A piece of the generated narration.
    pub fn explain(&mut self, s: impl FnOnce() -> String) {
        if self.record && self.quiet == 0 {
            self.explain.push(s());
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
