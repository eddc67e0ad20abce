//! Hazards: what the kernel cannot see (a host PASID nobody will free, a stale
//! private-data pointer, a PASID with two owners...), each of a named [`HazardKind`],
//! and their lives across a trace: the step that creates one, the step where it
//! first *bites* (the model does the harm: the stale pointer is passed, the request
//! is served to the next owner), and the step that clears it (the ID is freed
//! properly, the requests are drained). [`Trace::ledger`] lists the hazards that exist
//! at a step; the words for each kind are in `narrate::hazard_title`.
use crate::id::Ioasid;
use crate::trace::{Event, StepTrace, Trace};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The kinds of hazard the model flags. A *lasting* kind lives in the world until an
/// op clears it; a *momentary* one is the harm itself, done at the step it is seen
/// (created, bitten and cleared at once).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// The guest forgot a PASID the host still holds (a skipped FREE command, a free
    /// of an orphaned ID): nobody will ever free it. Bites when the host passes over
    /// it (answers a higher PASID, or none). Lasting.
    LeakedHostPasid,
    /// A group keeps passing an unregistered allocator's private data. Bites when an
    /// alloc is called with it. Lasting, until the group goes.
    StalePrivateData,
    /// An orphaned ID is still used by its owner while the active allocator does not
    /// know it. Bites when it is handed out again: two owners. Lasting.
    TwoOwners,
    /// A PASID was freed while page requests for it are pending. Bites when one is
    /// served in the next owner's address space. Lasting, until the requests are gone.
    FaultForNextOwner,
    /// An ID was freed by someone who does not own it. Bites when its owner's lookup
    /// fails or it is handed to another owner. Lasting.
    FreedByNonOwner,
    /// A PASID freed while still attached to a device (v6.6). Bites when it is handed
    /// out again with the attachment in place. Lasting, until detached.
    AttachedAfterFree,
    /// An answer the storage refused is never given back to the allocator (rfc-2019).
    /// Lasting.
    UnreturnedAnswer,
    /// IDs handed out by a replaced allocator are freed through the new one
    /// (rfc-2019). Lasting.
    ForeignFrees,
    /// A custom allocator's answer outside the range asked for is stored. Lasting,
    /// until freed.
    OutOfRangeId,
    /// A destroyed set's quota is never given back to the capacity (V4). Bites when a
    /// new set gets less than it would. Lasting.
    LeakedQuota,
    /// An error code was taken for a PASID (v6.4's unsigned comparison). Lasting.
    ErrnoAsPasid,
    /// An allocator was added twice to its group's member list. Lasting.
    CorruptMemberList,
    /// An unregister removed a group that is not the caller's. Momentary.
    WrongGroupRemoved,
    /// A getter was called on NULL private data. Momentary.
    GetterOnNull,
    /// Data of one type was read as another (a domain as an mm). Momentary.
    WrongDataType,
    /// A request of a device not bound to the mm was served in that mm. Momentary.
    UnboundDeviceServed,
}

impl HazardKind {
    /// Every kind, in the order the ledger's legend lists them.
    pub const ALL: [HazardKind; 16] = [
        HazardKind::LeakedHostPasid,
        HazardKind::StalePrivateData,
        HazardKind::TwoOwners,
        HazardKind::FaultForNextOwner,
        HazardKind::FreedByNonOwner,
        HazardKind::AttachedAfterFree,
        HazardKind::UnreturnedAnswer,
        HazardKind::ForeignFrees,
        HazardKind::OutOfRangeId,
        HazardKind::LeakedQuota,
        HazardKind::ErrnoAsPasid,
        HazardKind::CorruptMemberList,
        HazardKind::WrongGroupRemoved,
        HazardKind::GetterOnNull,
        HazardKind::WrongDataType,
        HazardKind::UnboundDeviceServed,
    ];

    /// True for a kind that is the harm itself, done at the step it is seen.
    pub fn momentary(self) -> bool {
        matches!(
            self,
            HazardKind::WrongGroupRemoved
                | HazardKind::GetterOnNull
                | HazardKind::WrongDataType
                | HazardKind::UnboundDeviceServed
        )
    }
}

/// One hazard's life in a trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HazardLife {
    pub kind: HazardKind,
    /// The ID it concerns (`INVALID_IOASID` for one about an allocator).
    pub id: Ioasid,
    /// The model's words for it, when it was created.
    pub what: String,
    pub created: usize,
    /// The step where it first bit, and the model's words for the harm.
    pub bites: Option<(usize, String)>,
    pub cleared: Option<usize>,
}

/// A hazard as the ledger lists it at one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerEntry<'a> {
    pub life: &'a HazardLife,
    /// The step where it bit, if that is at or before the step listed, and the words
    /// for the bite: empty when they would repeat the words it was created with (a
    /// hazard that bites at once).
    pub bit: Option<(usize, &'a str)>,
}

/// The lives of a trace's hazards, kept up to date step by step.
#[derive(Clone, Debug, Default)]
pub struct HazardBook {
    pub lives: Vec<HazardLife>,
    /// `(kind, id)` -> the index in `lives` of its open (uncleared) life.
    open: HashMap<(HazardKind, Ioasid), usize>,
}

impl HazardBook {
    /// The open (uncleared) life of `(kind, id)`. Cost: O(1).
    fn open(&mut self, kind: HazardKind, id: Ioasid) -> Option<&mut HazardLife> {
        let i = *self.open.get(&(kind, id))?;
        self.lives.get_mut(i)
    }

    /// Reads one step's hazard events into the book. Cost: O(events).
    pub fn record(&mut self, st: &StepTrace) {
        for e in &st.events {
            match e {
                // A momentary hazard is its own harm: bitten and over at once.
                Event::Hazard { hazard, id, what } => {
                    if !hazard.momentary() {
                        self.open.insert((*hazard, *id), self.lives.len());
                    }
                    self.lives.push(HazardLife {
                        kind: *hazard,
                        id: *id,
                        what: what.clone(),
                        created: st.index,
                        bites: hazard.momentary().then(|| (st.index, what.clone())),
                        cleared: hazard.momentary().then_some(st.index),
                    });
                }
                Event::HazardBites { hazard, id, what } => {
                    if let Some(l) = self.open(*hazard, *id) {
                        l.bites.get_or_insert((st.index, what.clone()));
                    }
                }
                Event::HazardCleared { hazard, id } => {
                    if let Some(l) = self.open(*hazard, *id) {
                        l.cleared = Some(st.index);
                    }
                    self.open.remove(&(*hazard, *id));
                }
                _ => {}
            }
        }
    }

    /// Forgets what steps `n` and later did (the sandbox's undo).
    pub fn truncate(&mut self, n: usize) {
        self.lives.retain(|l| l.created < n);
        for l in &mut self.lives {
            if l.bites.as_ref().is_some_and(|(at, _)| *at >= n) {
                l.bites = None;
            }
            if l.cleared.is_some_and(|at| at >= n) {
                l.cleared = None;
            }
        }
        self.open = self
            .lives
            .iter()
            .enumerate()
            .filter(|(_, l)| l.cleared.is_none())
            .map(|(i, l)| ((l.kind, l.id), i))
            .collect();
    }
}

impl Trace {
    /// The hazards that exist at step `pos` (after it ran), in the order they were
    /// created: each created at or before `pos` and not cleared before it. One cleared
    /// at `pos` itself is still listed if it was created or bit at `pos` (a momentary
    /// hazard is listed at its own step only). Its bite is given only if it happened
    /// at or before `pos`. Cost: O(hazards in the trace). Never fails: a `pos` past the
    /// end lists the hazards after the last step.
    pub fn ledger(&self, pos: usize) -> Vec<LedgerEntry<'_>> {
        self.hazards
            .lives
            .iter()
            .filter(|l| l.created <= pos)
            .filter_map(|l| {
                let bit = l
                    .bites
                    .as_ref()
                    .filter(|(at, _)| *at <= pos)
                    .map(|(at, w)| (*at, if *w == l.what { "" } else { w.as_str() }));
                let live = match l.cleared {
                    None => true,
                    Some(c) if c > pos => true,
                    Some(c) => c == pos && (l.created == pos || bit.is_some_and(|(b, _)| b == pos)),
                };
                live.then_some(LedgerEntry { life: l, bit })
            })
            .collect()
    }

    /// Every hazard's life in this trace.
    pub fn hazard_lives(&self) -> &[HazardLife] {
        &self.hazards.lives
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::Lesson;
    use crate::profile::Profile;
    use crate::run::run_under;

    fn run(steps: &str) -> Trace {
        let json =
            format!(r#"{{"format": 1, "title": "t", "profile": "v5.11", "steps": {steps}}}"#);
        let lesson = Lesson::parse(&json).expect("parses");
        run_under(&lesson, Profile::V5_11).expect("runs")
    }

    #[test]
    fn a_hazard_is_listed_from_its_creation_until_it_is_cleared() {
        // Two sets; the free naming the wrong set (no owner check in v5.11) creates
        // the hazard at 2; the owner's lookup at 3 fails: it bites.
        let t = run(r#"[
            {"op": "set_create", "set": "a"},
            {"op": "alloc", "set": "a", "min": 1, "max": 10},
            {"op": "free", "id": 1, "set": "sva"},
            {"op": "find", "set": "a", "id": 1},
            {"op": "alloc", "set": "sva", "min": 1, "max": 10}
        ]"#);
        assert!(t.ledger(1).is_empty());
        let at2 = t.ledger(2);
        assert_eq!(at2.len(), 1);
        assert_eq!(
            (at2[0].life.kind, at2[0].life.id),
            (HazardKind::FreedByNonOwner, 1)
        );
        assert_eq!((at2[0].life.created, at2[0].bit), (2, None));
        let at3 = t.ledger(3);
        assert_eq!(at3[0].bit.map(|(b, _)| b), Some(3));
        // Past the end: the hazards after the last step.
        assert_eq!(t.ledger(99).len(), 1);
    }

    #[test]
    fn undo_forgets_what_the_undone_step_did_to_a_hazard() {
        let mut t = run(r#"[
            {"op": "set_create", "set": "a"},
            {"op": "alloc", "set": "a", "min": 1, "max": 10},
            {"op": "free", "id": 1, "set": "sva"},
            {"op": "find", "set": "a", "id": 1}
        ]"#);
        assert!(t.hazard_lives()[0].bites.is_some());
        t.undo();
        assert_eq!(t.hazard_lives().len(), 1);
        assert!(t.hazard_lives()[0].bites.is_none());
        t.undo();
        assert!(t.hazard_lives().is_empty());
    }
}
