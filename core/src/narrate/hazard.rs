//! Hazards in words: each kind's name, as the ledger and the timeline show it.
use crate::hazard::HazardKind;
use crate::id::{Ioasid, INVALID_IOASID};

/// A hazard kind's name, capital first ("Leaked host PASID").
pub fn hazard_title(kind: HazardKind) -> &'static str {
    match kind {
        HazardKind::LeakedHostPasid => "Leaked host PASID",
        HazardKind::StalePrivateData => "Stale private data",
        HazardKind::TwoOwners => "Orphaned ID, two owners to be",
        HazardKind::FaultForNextOwner => "Page request for the next owner",
        HazardKind::FreedByNonOwner => "Freed by a non-owner",
        HazardKind::AttachedAfterFree => "Freed while attached",
        HazardKind::UnreturnedAnswer => "Answer never given back",
        HazardKind::ForeignFrees => "Frees go to the wrong allocator",
        HazardKind::OutOfRangeId => "ID outside the range asked for",
        HazardKind::LeakedQuota => "Quota never given back",
        HazardKind::ErrnoAsPasid => "Error code taken for a PASID",
        HazardKind::CorruptMemberList => "Corrupted member list",
        HazardKind::WrongGroupRemoved => "Another's group removed",
        HazardKind::GetterOnNull => "Getter on NULL data",
        HazardKind::WrongDataType => "Data read as the wrong type",
        HazardKind::UnboundDeviceServed => "Unbound device served",
    }
}

/// What a hazard is about: "PASID 3"; for one about no ID, "the capacity" (a lost
/// quota) or "an allocator group".
pub fn hazard_subject(kind: HazardKind, id: Ioasid) -> String {
    match (kind, id) {
        (HazardKind::LeakedQuota, INVALID_IOASID) => "the capacity".to_string(),
        (_, INVALID_IOASID) => "an allocator group".to_string(),
        (_, id) => format!("PASID {id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_title() {
        let mut titles: Vec<&str> = HazardKind::ALL.iter().map(|k| hazard_title(*k)).collect();
        titles.sort_unstable();
        titles.dedup();
        assert_eq!(titles.len(), HazardKind::ALL.len());
        assert_eq!(hazard_subject(HazardKind::TwoOwners, 3), "PASID 3");
        let group = hazard_subject(HazardKind::StalePrivateData, INVALID_IOASID);
        assert_eq!(group, "an allocator group");
        let quota = hazard_subject(HazardKind::LeakedQuota, INVALID_IOASID);
        assert_eq!(quota, "the capacity");
    }
}
