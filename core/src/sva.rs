//! Processes (mm) with mappings, devices, and shared virtual addressing: bind / unbind
//! a device to a process, one PASID per mm. In v6.6 mode, the global PASID allocator
//! and (device, PASID) -> domain attachments.
use crate::id::{Ioasid, Name, PASID_MAX, PASID_MIN};
use crate::lesson::{Addr, Radix};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// Access rights: of a mapping, or asked for by a page request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Perm {
    pub r: bool,
    pub w: bool,
    pub x: bool,
}

impl Perm {
    /// In words: "read", "read and write", "read, write and execute", "no access".
    pub fn words(self) -> String {
        let parts: Vec<&str> = [(self.r, "read"), (self.w, "write"), (self.x, "execute")]
            .into_iter()
            .filter_map(|(on, w)| on.then_some(w))
            .collect();
        match parts.as_slice() {
            [] => "no access".into(),
            [one] => (*one).into(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }

    /// True if every right in `want` is in `self`.
    pub fn allows(self, want: Perm) -> bool {
        (self.r || !want.r) && (self.w || !want.w) && (self.x || !want.x)
    }
}

impl fmt::Display for Perm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        if self.r {
            s.push('r');
        }
        if self.w {
            s.push('w');
        }
        if self.x {
            s.push('x');
        }
        f.write_str(&s)
    }
}

impl std::str::FromStr for Perm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut p = Perm::default();
        for c in s.chars() {
            let slot = match c {
                'r' => &mut p.r,
                'w' => &mut p.w,
                'x' => &mut p.x,
                _ => return Err(format!("permission `{s}`: expected letters from \"rwx\"")),
            };
            if *slot {
                return Err(format!("permission `{s}` repeats `{c}`"));
            }
            *slot = true;
        }
        if p == Perm::default() {
            return Err("permission is empty: expected e.g. \"r\", \"rw\", \"rx\"".into());
        }
        Ok(p)
    }
}

impl Serialize for Perm {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Perm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

/// One mapping of a process: [start, start + len) with its rights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "WrittenMapping", into = "WrittenMapping")]
pub struct Mapping {
    /// A number or a `"0x..."` string in a lesson, like an address.
    pub start: u64,
    pub len: u64,
    pub perm: Perm,
    /// How `start` and `len` were written, so that export writes them the same way.
    pub written: [Radix; 2],
}

/// A mapping as a lesson writes it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrittenMapping {
    start: Addr,
    len: Addr,
    perm: Perm,
}

impl From<WrittenMapping> for Mapping {
    fn from(w: WrittenMapping) -> Mapping {
        Mapping {
            start: w.start.0,
            len: w.len.0,
            perm: w.perm,
            written: [w.start.1, w.len.1],
        }
    }
}

impl From<Mapping> for WrittenMapping {
    fn from(m: Mapping) -> WrittenMapping {
        WrittenMapping {
            start: Addr(m.start, m.written[0]),
            len: Addr(m.len, m.written[1]),
            perm: m.perm,
        }
    }
}

impl Mapping {
    /// True if `addr` lies in the mapping.
    pub fn contains(&self, addr: u64) -> bool {
        addr >= self.start && addr - self.start < self.len
    }
}

/// A process address space.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mm {
    /// Fixed at creation; shared, so a snapshot of the world does not copy them.
    pub maps: Rc<[Mapping]>,
    /// False once the process exits (`mmget_not_zero` fails).
    pub alive: bool,
    /// Its SVA PASID, one per mm.
    pub pasid: Option<Ioasid>,
}

/// A PASID-capable device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// The PASIDs it supports: [min, max].
    pub min: Ioasid,
    pub max: Ioasid,
    /// mm -> number of binds.
    pub bonds: BTreeMap<Name, u32>,
    /// Page requests held until the last of their group arrives, by group id, each
    /// group's in arrival order (so forming a group takes only its own requests).
    pub partial: BTreeMap<u32, Vec<crate::fault::PageRequest>>,
    /// Groups whose held requests a queue overflow discarded (group id -> requests):
    /// they never form, so the device never gets their response, until it sends that
    /// group id again and a new group forms.
    pub abandoned: BTreeMap<u32, u32>,
    /// The sequence numbers of its groups in the fault queue, ascending (all of them
    /// stale once the workqueue has run: see `fault::FaultQueue`).
    #[serde(skip)]
    pub queued: Vec<u64>,
}

impl Device {
    /// The number of page requests held.
    pub fn held(&self) -> usize {
        self.partial.values().map(Vec::len).sum()
    }

    /// Every held page request.
    pub fn held_requests(&self) -> impl Iterator<Item = &crate::fault::PageRequest> {
        self.partial.values().flatten()
    }
}

impl Default for Device {
    fn default() -> Self {
        Device {
            min: PASID_MIN,
            max: PASID_MAX,
            bonds: BTreeMap::new(),
            partial: BTreeMap::new(),
            abandoned: BTreeMap::new(),
            queued: Vec::new(),
        }
    }
}

/// What a (device, PASID) is attached to (v6.6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DomainRef {
    /// The SVA domain of a process: faults resolve in its mm.
    Sva(Name),
    /// Another domain (a driver's), with no page-fault handler.
    Domain(Name),
}

impl DomainRef {
    /// "mm A's SVA domain" or "domain D".
    pub fn label(&self) -> String {
        match self {
            DomainRef::Sva(mm) => format!("mm {mm}'s SVA domain"),
            DomainRef::Domain(d) => format!("domain {d}"),
        }
    }
}
