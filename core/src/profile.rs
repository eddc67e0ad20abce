//! Profiles: named sets of behaviour knobs, one per kernel era plus `improved`.
//!
//! Every knob can also be flipped on its own, so a learner can ask "what if".
use crate::id::Errno;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How IDs are reference counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefModel {
    /// v5.5-v5.10: no counts; `free` frees.
    None,
    /// v5.11-v5.17: `alloc` starts at 1, `get` adds one, `put` frees at zero.
    GetPut,
    /// v5.18-v6.3 (and v6.6): no counts; an SVA PASID lives until its mm exits.
    MmLifetime,
    /// The extension series: IDLE -> ACTIVE -> FREE_PENDING -> freed.
    FreePending,
}

impl RefModel {
    /// Every era, oldest first.
    pub const ALL: [RefModel; 4] = [
        RefModel::None,
        RefModel::GetPut,
        RefModel::MmLifetime,
        RefModel::FreePending,
    ];

    /// The era's name as a lesson's `knobs` writes it (`"get_put"`).
    pub fn name(self) -> &'static str {
        match self {
            RefModel::None => "none",
            RefModel::GetPut => "get_put",
            RefModel::MmLifetime => "mm_lifetime",
            RefModel::FreePending => "free_pending",
        }
    }
}

/// The behaviour knobs. The `flaw_*` knobs reproduce kernel flaws when `true`, each a
/// rule of docs/kernel-reference/ with its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Knobs {
    /// Reference-count era.
    pub refs: RefModel,
    /// Extension-series sets: quotas, mm-token sets, owners, set-private IDs, notifiers.
    pub ext_sets: bool,
    /// Report the real reason of a failed alloc (`ENOSPC`, `EINVAL`) instead of `INVALID_IOASID`.
    pub real_errno: bool,
    /// The SVA helper turns a failed PASID alloc into `ENOMEM` (v5.11-v6.3) rather than `ENOSPC`.
    pub sva_enomem: bool,
    /// `set_data` answers `EBUSY` when data is already attached (extensions), instead of
    /// overwriting silently (mainline).
    pub attach_busy: bool,
    /// No IOASID allocator: one global PASID allocator and (device, PASID) -> domain
    /// attachments (v6.2+ design, removed IOASID in v6.4).
    pub global_pasid: bool,
    /// Flaw 1: `find` calls the getter even when the data is none.
    pub flaw_getter_without_data: bool,
    /// Flaw 2a: a custom allocator's answer outside [min, max] is stored as is.
    pub flaw_unchecked_answer: bool,
    /// Flaw 2b: when a custom allocator answers an ID already stored, the rollback frees it
    /// at the backend, though it belongs to its first owner.
    pub flaw_rollback_frees_owner: bool,
    /// Flaw 3: a group keeps its first registrant's ops for good: unregistering that
    /// primary leaves its pdata in use (and re-registering it is `EEXIST`), and
    /// unregister finds a group by its functions, not by membership.
    pub flaw_stale_primary_pdata: bool,
    /// Flaw 4: registering an ops that is already a secondary member is not caught.
    pub flaw_secondary_reregister: bool,
    /// Flaw 5: unregistering the last member orphans outstanding IDs (else `EBUSY`).
    pub flaw_orphan_on_unregister: bool,
    /// Flaw 6: the vcmd free skips the host free while private data is attached.
    pub flaw_vcmd_free_skip: bool,
    /// Flaw 7: an ID freed with page requests pending may be reused at once
    /// (else it is quarantined until they are handled).
    pub flaw_reuse_with_pending_faults: bool,
    /// Flaw 8: anyone may free anyone's ID (no set/owner check on free).
    pub flaw_free_any_owner: bool,
    /// Flaw 9a (v5.18): bind refuses when the mm's PASID equals the device's max.
    pub flaw_bind_off_by_one: bool,
    /// Flaw 9b (v6.4): an unsigned comparison turns a failed global PASID alloc's error
    /// code into a huge "PASID".
    pub flaw_unsigned_error_pasid: bool,
    /// The extension series V4 as posted (on in `ext`; `improved` fixes it): a destroyed
    /// set's quota is never given back, a set being freed still takes IDs, no ID is ever
    /// ACTIVE, and notifications follow V4's routing (ALLOC to the set's chain; FREE only
    /// from a free that leaves references, global chain first; BIND/UNBIND only from
    /// guest-PASID calls).
    pub ext_v4_as_posted: bool,
    /// The fault handler looks the PASID up in any set (a wildcard) instead of only the
    /// SVA set: VT-d's own handler did (`ioasid_find(NULL, pasid, NULL)`), so it is on
    /// in v5.5 and v5.11; the generic handler searches the SVA set only.
    pub wildcard_fault_lookup: bool,
    /// VT-d's own page-request thread (`prq_event_thread`, v5.5-v5.11, before the
    /// generic io-pgfault handler): each request is handled alone, in arrival order,
    /// with no getter, no held requests, no groups and no sticky errors; only the last
    /// request of a group is answered, with its own result, and FAILURE (not INVALID)
    /// until a PASID is found.
    #[serde(default)]
    pub vtd_prq: bool,
    /// VT-d's thread in front of the generic queue (v5.16-v6.6): a request without a
    /// PASID, or (before v6.2) from a device not bound to its PASID, is refused with
    /// INVALID and "Invalid page request" before the queue; a queue overflow is logged.
    #[serde(default)]
    pub vtd_front_end: bool,
    /// The 2019 design thread (`rfc-2019`): one system-wide custom allocator, set by one
    /// call (`register`); a second call replaces the first, IDs already stored stay in the
    /// one IDR, and `unregister` sets it back to NULL. Off: v5.5's groups and switching.
    #[serde(default)]
    pub rfc_one_allocator: bool,
    /// The 2019 design thread (`rfc-2019`): `alloc` through the IDR: with no custom
    /// allocator the range's max is exclusive (`idr_alloc`'s end); a custom answer is
    /// stored through `[id, id + 1)` unchecked, with no rollback (a failed answer wraps
    /// and `idr_alloc` warns); a free of an unknown ID is silent.
    #[serde(default)]
    pub rfc_idr: bool,
    /// The 2019 IDR allocator's `ioasid_find`: the ID's set must be exactly the one named
    /// (NULL finds only NULL-set IDs) and every miss is NULL, not `ENOENT` or `EACCES`.
    #[serde(default)]
    pub rfc_find_exact: bool,
}

/// The named profiles: which kernel source each follows is in docs/kernel-reference/README.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Profile {
    /// The proposal of the February 2019 design thread, as written (never merged).
    #[serde(rename = "rfc-2019")]
    Rfc2019,
    #[serde(rename = "v5.5")]
    V5_5,
    #[serde(rename = "v5.11")]
    V5_11,
    #[serde(rename = "v5.18")]
    V5_18,
    #[serde(rename = "ext")]
    Ext,
    #[serde(rename = "improved")]
    Improved,
    #[serde(rename = "v6.6")]
    V6_6,
}

impl Profile {
    /// Every profile, oldest first.
    pub const ALL: [Profile; 7] = [
        Profile::Rfc2019,
        Profile::V5_5,
        Profile::V5_11,
        Profile::V5_18,
        Profile::Ext,
        Profile::Improved,
        Profile::V6_6,
    ];

    /// The name a lesson uses.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Rfc2019 => "rfc-2019",
            Profile::V5_5 => "v5.5",
            Profile::V5_11 => "v5.11",
            Profile::V5_18 => "v5.18",
            Profile::Ext => "ext",
            Profile::Improved => "improved",
            Profile::V6_6 => "v6.6",
        }
    }

    /// One line on what the profile is.
    pub fn describe(self) -> &'static str {
        match self {
            Profile::Rfc2019 => "the 2019 design thread's proposal: one custom allocator set by one call, the IDR kept for storage",
            Profile::V5_5 => "Linux v5.5-v5.10: xarray allocator, custom allocators (the vcmd one is v5.8-v5.10), sets as tokens, no reference counts; bind is VT-d's own intel_svm_bind_mm (intel-svm.c v5.5); page requests handled one by one by VT-d's own thread",
            Profile::V5_11 => "Linux v5.11-v5.17: get/put reference counts; bind by iommu-sva-lib.c's iommu_sva_alloc_pasid (v5.11), one PASID per mm; page requests handled one by one by VT-d's own thread (as in v5.11)",
            Profile::V5_18 => "Linux v5.18-v6.3: no counts; an SVA PASID lives as long as its mm (kernel/fork.c __mmdrop), held by bound devices; iommu-sva-lib.c v5.18; page requests checked by VT-d, then grouped by the generic io-pgfault handler",
            Profile::Ext => "the unmerged 2020-21 extension series: quotas, set types, owners, guest PASIDs, FREE_PENDING",
            Profile::Improved => "this project's fixed design: every kernel flaw corrected, real error codes",
            Profile::V6_6 => "Linux v6.6: no IOASID allocator; iommu.c's global PASID allocator and per-device domains, iommu-sva.c's bind; each page-request group goes to the domain attached at its last request's PASID",
        }
    }

    /// The knobs this profile starts with.
    pub fn knobs(self) -> Knobs {
        let kernel = Knobs {
            refs: RefModel::None,
            ext_sets: false,
            real_errno: false,
            sva_enomem: false,
            attach_busy: false,
            global_pasid: false,
            flaw_getter_without_data: true,
            flaw_unchecked_answer: true,
            flaw_rollback_frees_owner: true,
            flaw_stale_primary_pdata: true,
            flaw_secondary_reregister: true,
            flaw_orphan_on_unregister: true,
            flaw_vcmd_free_skip: true,
            flaw_reuse_with_pending_faults: true,
            flaw_free_any_owner: true,
            flaw_bind_off_by_one: false,
            flaw_unsigned_error_pasid: false,
            ext_v4_as_posted: false,
            wildcard_fault_lookup: false,
            vtd_prq: false,
            vtd_front_end: false,
            rfc_one_allocator: false,
            rfc_idr: false,
            rfc_find_exact: false,
        };
        // The kernel's IOASID allocator with flaws 1-8 fixed (the flaws of later eras,
        // 9a and 9b, are off in `kernel` already).
        let allocator_fixed = Knobs {
            flaw_getter_without_data: false,
            flaw_unchecked_answer: false,
            flaw_rollback_frees_owner: false,
            flaw_stale_primary_pdata: false,
            flaw_secondary_reregister: false,
            flaw_orphan_on_unregister: false,
            flaw_vcmd_free_skip: false,
            flaw_reuse_with_pending_faults: false,
            flaw_free_any_owner: false,
            ..kernel.clone()
        };
        match self {
            // The thread's proposal over the IDR allocator it extends. The flaws of code
            // written later are off: no groups (3, 4, 5), no rollback (2b), and the vcmd
            // free of v5.8 that skipped the host (6). The answer is still unchecked (2a).
            Profile::Rfc2019 => Knobs {
                rfc_one_allocator: true,
                rfc_idr: true,
                rfc_find_exact: true,
                flaw_rollback_frees_owner: false,
                flaw_stale_primary_pdata: false,
                flaw_secondary_reregister: false,
                flaw_orphan_on_unregister: false,
                flaw_vcmd_free_skip: false,
                ..kernel
            },
            // Page requests: VT-d's own prq_event_thread (wildcard lookup, per request).
            Profile::V5_5 => Knobs {
                wildcard_fault_lookup: true,
                vtd_prq: true,
                ..kernel
            },
            Profile::V5_11 => Knobs {
                refs: RefModel::GetPut,
                sva_enomem: true,
                wildcard_fault_lookup: true,
                vtd_prq: true,
                ..kernel
            },
            // Page requests: VT-d's front end, then the generic io-pgfault handler.
            Profile::V5_18 => Knobs {
                refs: RefModel::MmLifetime,
                sva_enomem: true,
                flaw_bind_off_by_one: true,
                vtd_front_end: true,
                ..kernel
            },
            Profile::Ext => Knobs {
                refs: RefModel::FreePending,
                ext_sets: true,
                sva_enomem: true,
                attach_busy: true,
                flaw_free_any_owner: false,
                ext_v4_as_posted: true,
                ..kernel
            },
            Profile::Improved => Knobs {
                refs: RefModel::FreePending,
                ext_sets: true,
                real_errno: true,
                attach_busy: true,
                ..allocator_fixed
            },
            // No IOASID allocator, so none of its flaws: they are off, not merely
            // unreachable, so the knob list does not credit v6.6 with them.
            // A kernel profile: errors as the kernel reports them (`real_errno` off).
            // Page requests: VT-d's front end, then io-pgfault's iopf_handler, which
            // routes each group to the domain attached at its last request's PASID.
            Profile::V6_6 => Knobs {
                refs: RefModel::MmLifetime,
                global_pasid: true,
                real_errno: false,
                vtd_front_end: true,
                ..allocator_fixed
            },
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Profile::ALL.iter().map(|p| p.name()).collect();
                format!(
                    "unknown profile `{s}` (expected one of {})",
                    names.join(", ")
                )
            })
    }
}

/// One knob, for pickers: its JSON name and a plain-words description.
pub struct KnobInfo {
    pub name: &'static str,
    pub describe: &'static str,
    /// True when the knob shapes the IOASID allocator only, so it changes nothing once
    /// `global_pasid` is on (v6.6 has no IOASID allocator; a test checks the claim).
    pub ioasid_only: bool,
}

/// Every boolean knob, in display order (the `refs` era is chosen separately).
pub const BOOL_KNOBS: [KnobInfo; 23] = [
    KnobInfo {
        name: "ext_sets",
        describe: "extension-series sets: quotas, mm-token sets, owners, guest PASIDs, notifiers",
        ioasid_only: false,
    },
    KnobInfo {
        name: "real_errno",
        describe: "report the real reason of a failed alloc instead of INVALID_IOASID",
        ioasid_only: true,
    },
    KnobInfo {
        name: "sva_enomem",
        describe: "the SVA helper reports a failed PASID alloc as ENOMEM",
        ioasid_only: true,
    },
    KnobInfo {
        name: "attach_busy",
        describe: "set_data refuses (EBUSY) when data is already attached",
        ioasid_only: true,
    },
    KnobInfo {
        name: "global_pasid",
        describe: "no IOASID allocator: a global PASID allocator and per-device domains (v6.6)",
        ioasid_only: false,
    },
    KnobInfo {
        name: "flaw_getter_without_data",
        describe: "flaw 1: find calls the getter even with no data",
        ioasid_only: true,
    },
    KnobInfo {
        name: "flaw_unchecked_answer",
        describe: "flaw 2a: a custom allocator's out-of-range answer is stored as is",
        ioasid_only: true,
    },
    KnobInfo {
        name: "flaw_rollback_frees_owner",
        describe:
            "flaw 2b: a duplicate answer's rollback frees the first owner's ID at the backend",
        ioasid_only: true,
    },
    KnobInfo {
        name: "flaw_stale_primary_pdata",
        describe: "flaw 3: a group keeps its first ops for good: its pdata stays in use after that primary leaves, and unregister finds a group by its functions",
        ioasid_only: true,
    },
    KnobInfo {
        name: "flaw_secondary_reregister",
        describe: "flaw 4: re-registering a secondary member is not caught",
        ioasid_only: true,
    },
    KnobInfo {
        name: "flaw_orphan_on_unregister",
        describe: "flaw 5: unregistering the last member orphans its IDs",
        ioasid_only: true,
    },
    KnobInfo {
        name: "flaw_vcmd_free_skip",
        describe: "flaw 6: vcmd free skips the host free while data is attached",
        ioasid_only: true,
    },
    KnobInfo {
        name: "flaw_reuse_with_pending_faults",
        describe: "flaw 7: an ID freed with faults pending is reused at once",
        ioasid_only: true,
    },
    KnobInfo {
        name: "flaw_free_any_owner",
        describe: "flaw 8: anyone may free anyone's ID",
        ioasid_only: true,
    },
    KnobInfo {
        name: "flaw_bind_off_by_one",
        describe: "flaw 9a: bind refuses a PASID equal to the device's max (v5.18)",
        ioasid_only: true,
    },
    KnobInfo {
        name: "flaw_unsigned_error_pasid",
        describe: "flaw 9b: an error code becomes a huge PASID (v6.4)",
        ioasid_only: false,
    },
    KnobInfo {
        name: "ext_v4_as_posted",
        describe: "the extension series V4 as posted: a freed set's quota is lost, a set being freed still takes IDs, no ID is ever ACTIVE, V4's notifier routing",
        ioasid_only: true,
    },
    KnobInfo {
        name: "wildcard_fault_lookup",
        describe: "the fault handler searches every set, not only the SVA set (VT-d's own handler, v5.5-v5.11)",
        ioasid_only: true,
    },
    KnobInfo {
        name: "vtd_prq",
        describe: "VT-d's own page-request thread (v5.5-v5.11): each request handled alone, no groups, no sticky errors, FAILURE before a PASID is found",
        ioasid_only: true,
    },
    KnobInfo {
        name: "vtd_front_end",
        describe: "VT-d's checks before the generic queue (v5.16+): no PASID or an unbound device is refused at once; overflows are logged",
        ioasid_only: false,
    },
    KnobInfo {
        name: "rfc_one_allocator",
        describe: "2019 thread: one custom allocator set by one call; a second replaces it",
        ioasid_only: true,
    },
    KnobInfo {
        name: "rfc_idr",
        describe:
            "2019 thread: the IDR (max exclusive); a custom answer stored unchecked, no rollback",
        ioasid_only: true,
    },
    KnobInfo {
        name: "rfc_find_exact",
        describe: "2019 IDR allocator: find matches the set exactly; a miss is NULL, not an error",
        ioasid_only: true,
    },
];

impl Knobs {
    /// Applies JSON overrides (`{"flaw_getter_without_data": false}`) on top of these knobs.
    /// Unknown names or mistyped values are an error naming the knob.
    pub fn with_overrides(
        &self,
        overrides: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Knobs, String> {
        let mut merged = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => return Err("knobs could not be represented".to_string()),
        };
        for (k, v) in overrides {
            if !merged.contains_key(k) {
                return Err(format!("unknown knob `{k}`"));
            }
            merged.insert(k.clone(), v.clone());
        }
        serde_path_to_error::deserialize(&serde_json::Value::Object(merged)).map_err(|e| {
            // The path names the knob whose value is wrong.
            let knob = e.path().to_string();
            format!("knob `{knob}`: {}", e.into_inner())
        })
    }

    /// The error a failed alloc reports: the real one, or `INVALID_IOASID`.
    pub fn alloc_err(&self, real: Errno) -> Errno {
        if self.real_errno {
            real
        } else {
            Errno::INVALID_IOASID
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_era_s_name_is_the_one_serde_writes() {
        for r in RefModel::ALL {
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::Value::from(r.name())
            );
        }
    }
}
