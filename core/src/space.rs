//! The ID space's records: an allocated ID's `Entry` and `IdState`, the kinds of data
//! update and getter the core calls take, and the labels for sets.
use crate::id::{Data, Name};
use serde::{Deserialize, Serialize};

/// `World` moved to [`crate::world`]; this keeps the old path `space::World` working.
pub use crate::world::World;

/// The total number of IDs the extension series shares out as set quotas.
pub const DEFAULT_CAPACITY: u32 = 0x10_0000;

/// Where an ID is in its life (the extension series' states; `Quarantined` is the
/// improved profile's hold on an ID freed while page requests for it are pending).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdState {
    /// Allocated, no data bound.
    #[default]
    Idle,
    /// Data bound.
    Active,
    /// Freed while references are held: the last `put` reclaims it.
    FreePending,
    /// Freed with page requests pending: kept out of reuse until they are handled.
    Quarantined,
}

impl IdState {
    /// The state's name in capitals, as the extension series writes it.
    pub fn name(self) -> &'static str {
        match self {
            IdState::Idle => "IDLE",
            IdState::Active => "ACTIVE",
            IdState::FreePending => "FREE_PENDING",
            IdState::Quarantined => "QUARANTINED",
        }
    }
}

/// One allocated ID's record (`struct ioasid_data`). `Default` only fills the
/// free slots of the storage's leaves; it is never an allocated ID's record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The set it was allocated in; `None` is reachable only by wildcard lookups.
    pub set: Option<Name>,
    /// The private data; `None` is "not yet bound".
    pub data: Option<Data>,
    /// Reference count (eras with counts).
    pub refs: u32,
    pub state: IdState,
    /// The set-private ID (guest PASID) mapped to it, if any.
    pub spid: Option<u32>,
    /// The step that allocated it (`u32`: with 2^20 records, every byte counts).
    pub born: u32,
}

/// Which operation `set_data` runs as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataUpdate {
    /// `ioasid_set_data`: overwrite (or `EBUSY` with the `attach_busy` knob).
    Set,
    /// `ioasid_attach_data`: `EBUSY` when data is already attached.
    Attach,
    /// `ioasid_detach_data`: clear.
    Detach,
}

/// The getter `find` may call on the data before returning it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Getter {
    /// `mmget_not_zero`: refuses when the mm is exiting.
    MmAlive,
}

/// "set X" or "no set".
pub fn set_label(set: Option<&Name>) -> String {
    set.map_or_else(|| "no set".to_string(), |s| format!("set {s}"))
}

/// A shared name from text.
pub fn name(s: &str) -> Name {
    Name::new(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With all 2^20 PASIDs allocated, each byte of a record is a megabyte: the
    /// budget is 32 bytes (4-byte interned names, a `u32` birth step).
    #[test]
    fn an_entry_fits_in_32_bytes() {
        assert!(
            std::mem::size_of::<Entry>() <= 32,
            "{}",
            std::mem::size_of::<Entry>()
        );
    }
}
