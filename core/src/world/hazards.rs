//! The world's live hazards: created where an op leaves one, bitten where an op does
//! the harm, cleared where an op ends it. The live set is part of the world (and so of
//! its snapshots and replays); the events name each change for the trace's ledger.
//! Every sentence here is the model's, never the kernel's.
use super::World;
use crate::fault::PageRequest;
use crate::hazard::HazardKind;
use crate::id::{Ioasid, Name};
use crate::trace::Event;

impl World {
    /// Creates a hazard of `kind` on `id`: a lasting kind joins the live set (once per
    /// `(kind, id)`: a second creation while it lives is not recorded again); a
    /// momentary one is only recorded (the trace counts it as bitten and cleared at
    /// once).
    pub(crate) fn hazard_created(
        &mut self,
        kind: HazardKind,
        id: Ioasid,
        what: impl FnOnce() -> String,
    ) {
        if !kind.momentary() && !self.hazards.insert((kind, id)) {
            return;
        }
        self.log.hazard(kind, id, what);
    }

    /// True if `(kind, id)` is live.
    pub(crate) fn hazard_live(&self, kind: HazardKind, id: Ioasid) -> bool {
        self.hazards.contains(&(kind, id))
    }

    /// The live hazard `(kind, id)` does its harm now; nothing if it is not live.
    /// Returns whether it was.
    pub(crate) fn hazard_bites(
        &mut self,
        kind: HazardKind,
        id: Ioasid,
        what: impl FnOnce() -> String,
    ) -> bool {
        if !self.hazard_live(kind, id) {
            return false;
        }
        self.log.event(|| Event::HazardBites {
            hazard: kind,
            id,
            what: what(),
        });
        true
    }

    /// Ends the live hazard `(kind, id)`; nothing if it is not live.
    pub(crate) fn hazard_cleared(&mut self, kind: HazardKind, id: Ioasid) {
        if self.hazards.remove(&(kind, id)) {
            self.log.event(|| Event::HazardCleared { hazard: kind, id });
        }
    }

    /// The live IDs of one kind, in order.
    fn live_ids(&self, kind: HazardKind) -> Vec<Ioasid> {
        self.hazards
            .range((kind, 0)..=(kind, Ioasid::MAX))
            .map(|(_, id)| *id)
            .collect()
    }

    /// `id` is handed out (a guest alloc, a global alloc): a live hazard waiting for
    /// its next owner bites.
    pub(crate) fn hazard_handed_out(&mut self, id: Ioasid) {
        self.hazard_bites(HazardKind::TwoOwners, id, || {
            format!("{id} is handed out again while the owner it was orphaned from still uses it: two owners now")
        });
        self.hazard_bites(HazardKind::FreedByNonOwner, id, || {
            format!("{id} is handed to a new owner while the owner it was freed behind still uses it: two owners now")
        });
        let attached = self.attachments.keys().any(|(_, p)| *p == id);
        if attached {
            self.hazard_bites(HazardKind::AttachedAfterFree, id, || {
                format!("{id} is handed out again with the old attachment still in place: the new owner shares it")
            });
        }
    }

    /// A host answered an ALLOC command (a guest's vcmd alloc, another VM's alloc).
    /// A first-fit answer above a leaked PASID of this host (or no answer) passes over
    /// it: the leak bites. An answer that is a PASID freed behind its owner's back
    /// gives it a second owner. A scripted answer is the lesson's, not first fit: no
    /// leak bites on it.
    pub(crate) fn hazard_host_answered(
        &mut self,
        host: &Name,
        answer: Option<Ioasid>,
        scripted: bool,
    ) {
        if !scripted {
            for leaked in self.live_ids(HazardKind::LeakedHostPasid) {
                let held = self
                    .hosts
                    .get(host)
                    .is_some_and(|h| h.ids.get(leaked).is_some());
                if !held || answer.is_some_and(|a| a < leaked) {
                    continue;
                }
                self.hazard_bites(HazardKind::LeakedHostPasid, leaked, || match answer {
                    Some(a) => format!("host {host} answers {a}: it passes over {leaked}, which it still holds for a guest that forgot it"),
                    None => format!("host {host} has no PASID left, while it still holds {leaked} for a guest that forgot it"),
                });
            }
        }
        if let Some(a) = answer {
            self.hazard_bites(HazardKind::FreedByNonOwner, a, || {
                format!("host {host} hands {a} out again while its first owner still uses it: two owners now")
            });
        }
    }

    /// A stale request was served: the PASID's pending requests bite its next owner.
    pub(crate) fn hazard_stale_served(&mut self, req: &PageRequest, mm: Name) {
        if let Some(pasid) = req.pasid {
            self.hazard_bites(HazardKind::FaultForNextOwner, pasid, || format!(
                "a request sent for {pasid}'s earlier owner is served in mm {mm}, its new owner: a page of mm {mm} is made present for an access the device made for another process"
            ));
        }
    }

    /// The host freed `id` for real: a leak of it is over.
    pub(crate) fn hazard_host_freed(&mut self, id: Ioasid) {
        self.hazard_cleared(HazardKind::LeakedHostPasid, id);
    }

    /// `id` was reclaimed properly: the hazards that hang on its entry are over.
    pub(crate) fn hazard_id_reclaimed(&mut self, id: Ioasid) {
        for kind in [HazardKind::OutOfRangeId, HazardKind::UnreturnedAnswer] {
            self.hazard_cleared(kind, id);
        }
    }

    /// After every op: a freed PASID's pending requests all handled or discarded, a
    /// freed PASID's last attachment gone: those hazards are over.
    /// Cost: O(live hazards of those kinds x log).
    pub(crate) fn settle_hazards(&mut self) {
        for id in self.live_ids(HazardKind::FaultForNextOwner) {
            if !self.pasid_pending(id) {
                self.hazard_cleared(HazardKind::FaultForNextOwner, id);
            }
        }
        for id in self.live_ids(HazardKind::AttachedAfterFree) {
            if !self.attachments.keys().any(|(_, p)| *p == id) {
                self.hazard_cleared(HazardKind::AttachedAfterFree, id);
            }
        }
    }
}
