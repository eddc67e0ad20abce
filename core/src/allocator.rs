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

/// Members a group's label names (see [`Group::label`]).
pub const LABEL_MEMBERS: usize = 4;

impl Group {
    /// "custom vcmd (viommu0, viommu1)"; a long member list names its first
    /// [`LABEL_MEMBERS`]: "custom vcmd (a0, a1, a2, a3 and 99996 more)".
    ///
    /// Cost: constant (a group may hold 100,000 members, and a step that names the
    /// group once per call made a lesson of many such calls quadratic).
    pub fn label(&self) -> String {
        let shown: Vec<&str> = (self.members.iter().take(LABEL_MEMBERS))
            .map(|m| &**m)
            .collect();
        let more = self.members.len().saturating_sub(LABEL_MEMBERS);
        if more == 0 {
            format!("custom {} ({})", self.fns, shown.join(", "))
        } else {
            format!("custom {} ({} and {more} more)", self.fns, shown.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group of 100,000 members is named by its first few: its label listed every
    /// member (700 KB of text), and some steps name their group every time they run.
    #[test]
    fn a_big_group_is_named_by_its_first_members() {
        let group = |n: usize| Group {
            fns: Name::new("vcmd"),
            members: (0..n).map(|i| Name::new(&format!("a{i}"))).collect(),
            pdata: Name::new("a0"),
            host: None,
            store: XArray::new(),
        };
        assert_eq!(group(2).label(), "custom vcmd (a0, a1)");
        assert_eq!(group(4).label(), "custom vcmd (a0, a1, a2, a3)");
        assert_eq!(
            group(100_000).label(),
            "custom vcmd (a0, a1, a2, a3 and 99996 more)"
        );
    }
}
