//! Readers in flight and grace periods, as explicit state: a lookup under
//! `rcu_read_lock()` keeps what it saw until it ends, and a writer that replaced the
//! data waits (`synchronize_rcu`) until every reader that could see the old value ends.
use crate::id::{Data, Ioasid, Name};
use serde::{Deserialize, Serialize};

/// A reader inside its read-side critical section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reader {
    pub id: Ioasid,
    pub set: Option<Name>,
    /// What its lookup returned.
    pub saw: Option<Data>,
    /// The step that started it.
    pub since: usize,
}

/// A writer waiting for readers to finish: every reader that began before its step
/// (readers that begin later cannot see the old value, so they are not waited for).
/// The periods are kept in step order, so they end oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GracePeriod {
    pub id: Ioasid,
    /// The step whose `set_data` waits.
    pub writer_step: usize,
}
