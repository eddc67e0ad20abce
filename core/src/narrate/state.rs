//! The world's state in words, and the judgements the panels show: whether a process's
//! PASID is stale, which allocator is active, what an ID's lifecycle state means and
//! when it is worth showing, the labels of the reference-count eras, and which
//! timeline marker tells the most.
use crate::id::Name;
use crate::profile::RefModel;
use crate::space::IdState;
use crate::trace::Marker;
use crate::world::World;

/// When a process still holds a PASID that storage no longer records as its own (freed
/// without its knowledge, maybe handed to another process): says so. `None` when the
/// PASID is still the process's, and in v6.6 mode (no IOASID storage to ask).
pub fn stale_pasid_note(w: &World, mm: Name, pasid: u32) -> Option<String> {
    if w.knobs.global_pasid {
        return None;
    }
    // One lookup: the entry now at the process's PASID, if any.
    let now = w.active_store().get(pasid);
    Some(match now {
        Some(e) if e.data.as_ref().and_then(|d| d.mm()) == Some(&mm) => return None,
        Some(e) if e.state == IdState::Quarantined => {
            format!("{pasid} quarantined: freed, held back until its page requests are handled")
        }
        Some(e) => match e.data {
            Some(d) => format!("stale: {pasid} now holds {}", d.label()),
            None => format!("stale: {pasid} was freed and given out again"),
        },
        None => format!("stale: {pasid} was freed"),
    })
}

/// Where an allocator stands: the one that answers `alloc`, or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// It answers `alloc`.
    Active,
    /// The default allocator while a custom one is registered.
    Inactive,
    /// A custom allocator group queued behind others: `place` in line, counted from 1
    /// (the active group is first).
    Waiting { place: usize },
}

impl Standing {
    /// True for the allocator that answers `alloc`.
    pub fn is_active(self) -> bool {
        self == Standing::Active
    }
}

/// The default (or, in v6.6 mode, global PASID) allocator's standing: active while no
/// custom allocator is registered.
pub fn default_standing(w: &World) -> Standing {
    if w.groups.is_empty() {
        Standing::Active
    } else {
        Standing::Inactive
    }
}

/// The standing of custom allocator group `i` (in registration order): the first is
/// active, the others wait in line.
pub fn group_standing(w: &World, i: usize) -> Standing {
    match i {
        0 if !w.groups.is_empty() => Standing::Active,
        _ => Standing::Waiting { place: i + 1 },
    }
}

/// The default allocator's name for display: "default allocator", or in v6.6 mode
/// "global PASID allocator".
pub fn default_allocator_name(w: &World) -> &'static str {
    if w.knobs.global_pasid {
        "global PASID allocator"
    } else {
        "default allocator"
    }
}

/// A lifecycle state in words, as a gloss after its name: " (data bound)".
pub fn id_state_words(s: IdState) -> &'static str {
    match s {
        // Not "no data": V4 (ext) keeps an ID IDLE with data attached.
        IdState::Idle => " (allocated, not being freed)",
        IdState::Active => " (data bound)",
        IdState::FreePending => " (freed while referenced: the last put reclaims it)",
        IdState::Quarantined => " (held back: page requests for it are pending)",
    }
}

/// Whether an ID's lifecycle state is worth showing: lifecycle states came with the
/// extension series (the FREE_PENDING era); before it an ID is simply allocated (its
/// data says whether it is bound), unless it is in a state of its own (quarantined).
pub fn shows_id_state(w: &World, s: IdState) -> bool {
    w.knobs.refs == RefModel::FreePending || !matches!(s, IdState::Idle | IdState::Active)
}

/// A reference-count era in words, with the kernels that had it.
pub fn era_label(r: RefModel) -> &'static str {
    match r {
        RefModel::None => "no reference counts (v5.5)",
        RefModel::GetPut => "get / put counts (v5.11)",
        RefModel::MmLifetime => "a PASID lives as long as its process (v5.18+)",
        RefModel::FreePending => "IDLE / ACTIVE / FREE_PENDING states (extensions)",
    }
}

/// Which marker to draw when several meet on one spot: the most telling one ranks
/// highest.
pub fn marker_rank(m: Marker) -> u8 {
    match m {
        Marker::ExpectFailed => 5,
        Marker::Question => 4,
        Marker::AllocatorSwitch => 3,
        Marker::HazardBites => 3,
        Marker::Error => 2,
        Marker::HazardCreated => 1,
        Marker::FaultResponse => 1,
    }
}

/// What a timeline marker means, in words (the legend and each mark's name).
pub fn marker_words(m: Marker) -> &'static str {
    match m {
        Marker::Error => "an error",
        Marker::AllocatorSwitch => "the active allocator changes",
        Marker::FaultResponse => "a page response",
        Marker::ExpectFailed => "not what the lesson expects",
        Marker::Question => "a question",
        Marker::HazardCreated => "a hazard is created",
        Marker::HazardBites => "a hazard bites",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Data;
    use crate::profile::Profile;

    fn world(p: Profile) -> World {
        World::new(p, p.knobs())
    }

    #[test]
    fn a_pasid_is_stale_once_storage_no_longer_gives_it_to_its_process() {
        let mut w = world(Profile::V5_11);
        let (a, b) = (Name::new("A"), Name::new("B"));
        let sva = Name::new("sva");
        let id = w.alloc(Some(&sva), 1, 10, Some(Data::Mm(a))).unwrap();
        assert_eq!(stale_pasid_note(&w, a, id), None);
        w.free(Some(&sva), id).unwrap();
        assert_eq!(
            stale_pasid_note(&w, a, id).as_deref(),
            Some("stale: 1 was freed")
        );
        w.alloc(Some(&sva), 1, 10, Some(Data::Mm(b))).unwrap();
        assert_eq!(
            stale_pasid_note(&w, a, id).as_deref(),
            Some("stale: 1 now holds mm B")
        );
        let v66 = world(Profile::V6_6);
        assert_eq!(stale_pasid_note(&v66, a, 1), None);
    }

    #[test]
    fn the_first_custom_group_is_active_and_the_rest_wait() {
        let mut w = world(Profile::V5_11);
        assert_eq!(default_standing(&w), Standing::Active);
        assert_eq!(default_allocator_name(&w), "default allocator");
        w.host_create(&Name::new("H"), 1, 100).unwrap();
        w.register(
            &Name::new("viommu0"),
            &Name::new("vcmd"),
            Some(&Name::new("H")),
        )
        .unwrap();
        w.register(&Name::new("other"), &Name::new("fns2"), None)
            .unwrap();
        assert_eq!(default_standing(&w), Standing::Inactive);
        assert!(group_standing(&w, 0).is_active());
        assert_eq!(group_standing(&w, 1), Standing::Waiting { place: 2 });
        assert_eq!(
            default_allocator_name(&world(Profile::V6_6)),
            "global PASID allocator"
        );
    }

    #[test]
    fn id_states_show_from_the_extension_era_or_when_out_of_the_ordinary() {
        let w = world(Profile::V5_11);
        assert!(!shows_id_state(&w, IdState::Active));
        assert!(shows_id_state(&w, IdState::Quarantined));
        assert!(shows_id_state(&world(Profile::Ext), IdState::Idle));
        assert_eq!(id_state_words(IdState::Active), " (data bound)");
    }

    #[test]
    fn every_era_has_a_label_naming_its_kernels() {
        for r in RefModel::ALL {
            assert!(era_label(r).contains('('), "{r:?}");
        }
        assert_eq!(era_label(RefModel::GetPut), "get / put counts (v5.11)");
    }

    #[test]
    fn a_failed_expectation_outranks_every_other_marker() {
        let all = [
            Marker::Error,
            Marker::AllocatorSwitch,
            Marker::FaultResponse,
            Marker::ExpectFailed,
            Marker::Question,
        ];
        let top = all.iter().copied().max_by_key(|m| marker_rank(*m));
        assert_eq!(top, Some(Marker::ExpectFailed));
    }
}
