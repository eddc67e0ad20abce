//! Custom allocators: groups of allocators that share storage (the switching rules of
//! `ioasid_register_allocator` / `ioasid_unregister_allocator` are in
//! `world::allocators`).
use crate::id::Name;
use crate::space::Entry;
use crate::xarray::XArray;

/// The function pair that behaves like the VT-d guest's paravirtual allocator.
pub const VCMD_FNS: &str = "vcmd";

/// Allocators registered with the same functions: one group sharing one storage.
#[derive(Clone, Debug)]
pub struct Group {
    /// The functions' name: allocators with the same `fns` join one group.
    pub fns: Name,
    /// Members in registration order; the first is the primary.
    pub members: Vec<Name>,
    /// Whose private data the calls use. Normally the primary; with flaw 3, the
    /// removed primary's stays in use.
    pub pdata: Name,
    /// The backend host (for vcmd), if any.
    pub host: Option<Name>,
    /// The IDs this group handed out, recorded at exactly their number.
    pub store: XArray<Entry>,
}

impl Group {
    /// "custom vcmd (viommu0, viommu1)".
    pub fn label(&self) -> String {
        let members: Vec<&str> = self.members.iter().map(|m| &**m).collect();
        format!("custom {} ({})", self.fns, members.join(", "))
    }
}
