//! IOASID sets: tokens that group IDs by who allocated them, and the extension series'
//! richer sets: quotas out of a system-wide capacity, mm-token sets (one per process),
//! owner checks, set-private IDs (guest PASIDs) and notifier chains.
use crate::id::{Ioasid, Name};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The built-in set of SVA PASIDs: bind allocates in it and the fault path searches it.
pub const SVA_SET: &str = "sva";

/// Notifiers a world accepts (a limit of the model, not of the kernel).
pub const MAX_NOTIFIERS: usize = 64;

/// One set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IoSet {
    /// The mm this set belongs to (an mm-token set), if any.
    pub token: Option<Name>,
    /// How many IDs it may hold (extension series); `None`: no quota of its own.
    pub quota: Option<u32>,
    /// How many IDs it holds now.
    pub used: u32,
    /// Freed while IDs were left: destroyed when the last one goes.
    pub free_pending: bool,
    /// Set-private ID (guest PASID) -> host ID.
    pub spids: BTreeMap<u32, Ioasid>,
}

/// Who a notifier belongs to; delivery runs in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// KVM: quiesce the vCPU first.
    Cpu,
    /// The IOMMU driver.
    Iommu,
    /// The device driver, last.
    Device,
}

impl Priority {
    /// "CPU", "IOMMU", "device".
    pub fn label(self) -> &'static str {
        match self {
            Priority::Cpu => "CPU",
            Priority::Iommu => "IOMMU",
            Priority::Device => "device",
        }
    }
}

/// A registered notifier: on one set's chain, or the global chain when `set` is `None`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifier {
    pub name: Name,
    pub priority: Priority,
    pub set: Option<Name>,
}
