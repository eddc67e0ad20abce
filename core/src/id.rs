//! IDs, ranges, errors and private data: the vocabulary every other module speaks.
use serde::{Deserialize, Serialize};
use std::fmt;

/// An I/O address space ID. PCIe PASIDs use the low 20 bits.
pub type Ioasid = u32;

/// What `ioasid_alloc` returns on any failure in the kernel profiles.
pub const INVALID_IOASID: Ioasid = u32::MAX;

/// The largest PCIe PASID (20 bits).
pub const PASID_MAX: Ioasid = 0xF_FFFF;

/// The lowest PASID a well-behaved user allocates: 0 is RID_PASID on VT-d.
pub const PASID_MIN: Ioasid = 1;
/// PASID 0: reserved (on VT-d it tags DMA without a PASID, `RID_PASID`); callers
/// that follow the rules allocate from [`PASID_MIN`]. The allocator itself does not
/// refuse it to a range that includes it.
pub const PASID_RESERVED: Ioasid = 0;

pub use crate::name::Name;

/// `pasid_valid()` of the v5.18 era: anything but `INVALID_IOASID`.
pub fn pasid_valid(id: Ioasid) -> bool {
    id != INVALID_IOASID
}

/// Every failure an operation can report. `INVALID_IOASID` stands for
/// "the kernel returned INVALID_IOASID and no error code".
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Errno {
    ENOENT,
    EACCES,
    EEXIST,
    EAGAIN,
    EBUSY,
    EINVAL,
    ENOSPC,
    ENOMEM,
    EOVERFLOW,
    EPERM,
    EOPNOTSUPP,
    INVALID_IOASID,
}

impl Errno {
    /// Every errno, for pickers and documentation.
    pub const ALL: [Errno; 12] = [
        Errno::ENOENT,
        Errno::EACCES,
        Errno::EEXIST,
        Errno::EAGAIN,
        Errno::EBUSY,
        Errno::EINVAL,
        Errno::ENOSPC,
        Errno::ENOMEM,
        Errno::EOVERFLOW,
        Errno::EPERM,
        Errno::EOPNOTSUPP,
        Errno::INVALID_IOASID,
    ];

    /// The symbolic name, as a lesson writes it.
    pub fn name(self) -> &'static str {
        match self {
            Errno::ENOENT => "ENOENT",
            Errno::EACCES => "EACCES",
            Errno::EEXIST => "EEXIST",
            Errno::EAGAIN => "EAGAIN",
            Errno::EBUSY => "EBUSY",
            Errno::EINVAL => "EINVAL",
            Errno::ENOSPC => "ENOSPC",
            Errno::ENOMEM => "ENOMEM",
            Errno::EOVERFLOW => "EOVERFLOW",
            Errno::EPERM => "EPERM",
            Errno::EOPNOTSUPP => "EOPNOTSUPP",
            Errno::INVALID_IOASID => "INVALID_IOASID",
        }
    }

    /// A plain-words meaning, for narration.
    pub fn meaning(self) -> &'static str {
        match self {
            Errno::ENOENT => "no such ID (not in the active allocator's storage)",
            Errno::EACCES => "the ID belongs to another set",
            Errno::EEXIST => "it already exists",
            Errno::EAGAIN => "not now: the default allocator already holds IDs",
            Errno::EBUSY => "busy: still in use",
            Errno::EINVAL => "invalid argument",
            Errno::ENOSPC => "no space left in the range or quota",
            Errno::ENOMEM => "allocation failed (reported as out of memory)",
            Errno::EOVERFLOW => "the PASID is outside the device's range",
            Errno::EPERM => "not the owner",
            Errno::EOPNOTSUPP => "this profile has no such operation",
            Errno::INVALID_IOASID => "the call returns no error code, only this invalid ID",
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Private data attached to an ID. `None` (an `Option<Data>`) is "not yet bound".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Data {
    /// A process address space, for shared virtual addressing.
    Mm(Name),
    /// An IOMMU driver's auxiliary domain.
    Domain(Name),
    /// A device driver's own context.
    Driver(Name),
}

impl Data {
    /// "mm A", "domain D", "driver K".
    pub fn label(&self) -> String {
        match self {
            Data::Mm(n) => format!("mm {n}"),
            Data::Domain(n) => format!("domain {n}"),
            Data::Driver(n) => format!("driver {n}"),
        }
    }

    /// The mm, if this data is one.
    pub fn mm(&self) -> Option<&Name> {
        match self {
            Data::Mm(n) => Some(n),
            _ => None,
        }
    }
}

/// "not yet bound" or the data's label.
pub fn data_label(data: Option<&Data>) -> String {
    data.map_or_else(|| "no data (not yet bound)".to_string(), Data::label)
}
