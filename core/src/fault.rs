//! I/O page faults: page requests, the groups they form and the queue of groups
//! waiting for the workqueue (the calls are in `world::faults`).
use crate::id::{Ioasid, Name};
use crate::sva::Perm;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// One page request from a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub pasid: Option<Ioasid>,
    pub addr: u64,
    pub perm: Perm,
    pub group: u32,
    pub last: bool,
    /// When the PASID was in use as the request was reported: the step its entry was
    /// born at and the mm its data named. A request served after the PASID was freed
    /// and handed out again is stale: it lands in the next owner's address space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<Issued>,
}

/// Who a PASID belonged to when a page request for it was reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issued {
    pub born: u32,
    pub mm: Option<Name>,
}

/// A formed group: every request of one group id, the last one last.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultGroup {
    pub device: Name,
    pub group: u32,
    /// Fixed once the group forms; shared, so a copy of the queue does not copy them.
    pub requests: std::rc::Rc<[PageRequest]>,
}

/// Formed groups waiting for the workqueue, in the order they formed. Each has a
/// sequence number; a device lists the numbers of its own queued groups
/// (`Device::queued`), so a flush takes them out by number instead of walking every
/// other device's groups, and leaves an empty slot that the front trims away.
#[derive(Clone, Debug, Default)]
pub struct FaultQueue {
    /// The sequence number of `slots[0]`.
    pub(crate) head: u64,
    /// The groups in the order they formed; `None` where a flush took one out.
    pub(crate) slots: VecDeque<Option<FaultGroup>>,
    /// The number of `Some` slots.
    pub(crate) live: usize,
}

impl FaultQueue {
    /// Queues `group` behind every group already queued; returns its sequence number.
    pub(crate) fn push(&mut self, group: FaultGroup) -> u64 {
        self.slots.push_back(Some(group));
        self.live += 1;
        self.head + self.slots.len() as u64 - 1
    }

    /// The queued groups, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &FaultGroup> {
        self.slots.iter().flatten()
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// True if `seq` was handed out before the last `take_all` (its group is gone).
    pub(crate) fn before(&self, seq: u64) -> bool {
        seq < self.head
    }

    /// The group numbered `seq`, while it is queued.
    pub(crate) fn slot_mut(&mut self, seq: u64) -> Option<&mut Option<FaultGroup>> {
        let i = usize::try_from(seq.checked_sub(self.head)?).ok()?;
        self.slots.get_mut(i)
    }

    /// Empties the queue: every group, oldest first.
    pub(crate) fn take_all(&mut self) -> Vec<FaultGroup> {
        self.head += self.slots.len() as u64;
        self.live = 0;
        self.slots.drain(..).flatten().collect()
    }

    /// Drops the empty slots at the front.
    pub(crate) fn trim_front(&mut self) {
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.head += 1;
        }
    }
}
