//! Our own kernel-style pseudo-code of each function a step runs, written for this
//! project (not kernel source), one listing per era: under a profile, the code pane
//! shows that era's function and no other era's lines, and names where it is
//! ([`Source`]). Lines that the model reports as run carry a stable id
//! (`[alloc.custom]`); the trace lists the ids a step ran, in order.
//!
//! One file per group of functions: `alloc` (the core calls), `register` (custom
//! allocators and the vcmd host), `sets` (the extension series' sets and RCU readers),
//! `sva` (processes, bind, global PASIDs) and `fault` (the page-request path). `rfc`
//! holds the 2019 design thread's proposal (`rfc-2019`), consulted first for its era.
use crate::profile::Profile;
use serde::{Deserialize, Serialize};

mod alloc;
mod fault;
mod marks;
mod register;
mod rfc;
mod sets;

/// The 2019 design thread's messages and the patches around it (public archive links),
/// for a view that lists the sources.
pub use marks::{LineMark, ORDER_SHOWN};
pub use rfc::{IDR_ALLOCATOR, JACOB_FEB_19, JACOB_JAN_30, JPB_FEB_15, LU_BAOLU_PATCH};
mod sva;

/// The kernel function a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    IoasidAlloc,
    IoasidFree,
    IoasidFind,
    IoasidSetData,
    IoasidGetPut,
    RegisterAllocator,
    UnregisterAllocator,
    VcmdHost,
    SetAlloc,
    SetPrivateIds,
    RcuReader,
    Process,
    SvaBind,
    SvaUnbind,
    PageRequest,
    FaultHandler,
    /// v6.2+: each group routed by the (device, last request's PASID) attachment to a
    /// domain's handler.
    DomainFaultHandler,
    GlobalPasid,
}

/// One line of a listing.
///
/// In the source, `[id] text` is a line the model reports when it runs it (a
/// condition: when its branch is taken); `[+a|b] text` is straight-line code that runs
/// whenever one of the reported lines `a`, `b` ran (a lock, a load, a `return`); a line
/// with neither (a brace, a comment, a branch never modelled) is never marked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PseudoLine {
    /// The line's id, if the model reports it.
    pub id: Option<&'static str>,
    /// For straight-line code: the reported lines it runs with, `|`-separated.
    pub with: Option<&'static str>,
    pub text: &'static str,
}

impl PseudoLine {
    /// Whether this line ran, given the ids the step reported.
    pub fn ran(&self, reported: &[&str]) -> bool {
        self.ran_if(|id| reported.contains(&id))
    }

    /// Whether this line ran, given whether each id was reported (`reported(id)`): a
    /// reported line when its id was, straight-line code when one of its lines was.
    pub fn ran_if(&self, reported: impl Fn(&str) -> bool) -> bool {
        match (self.id, self.with) {
            (Some(id), _) => reported(id),
            (None, Some(with)) => with.split('|').any(reported),
            (None, None) => false,
        }
    }
}

impl Func {
    /// The kernel's name for the function.
    pub fn title(self) -> &'static str {
        match self {
            Func::IoasidAlloc => "ioasid_alloc()",
            Func::IoasidFree => "ioasid_free()",
            Func::IoasidFind => "ioasid_find()",
            Func::IoasidSetData => "ioasid_set_data() / attach_data() / detach_data()",
            Func::IoasidGetPut => "ioasid_get() / ioasid_put()",
            Func::RegisterAllocator => "ioasid_register_allocator()",
            Func::UnregisterAllocator => "ioasid_unregister_allocator()",
            Func::VcmdHost => "the host's vcmd PASID allocator",
            Func::SetAlloc => "ioasid_set_alloc() / ioasid_set_put() / notifiers",
            Func::SetPrivateIds => "ioasid_attach_spid() / find_by_spid() / get_if_owned()",
            Func::RcuReader => "rcu_read_lock(); ioasid_find(); rcu_read_unlock()",
            Func::Process => "process (mm) lifetime",
            Func::SvaBind => "iommu_sva_bind_device()",
            Func::SvaUnbind => "iommu_sva_unbind_device()",
            Func::PageRequest => "iommu_report_device_fault()",
            Func::FaultHandler => "iopf_handle_group()",
            Func::DomainFaultHandler => "v6.6: iopf_handler() and the SVA domain's handler",
            Func::GlobalPasid => "v6.6: global PASIDs and iommu_attach_device_pasid()",
        }
    }

    /// The listing of this function as the era of `profile` has it, and its source.
    pub fn listing(self, profile: Profile) -> Listing {
        let era = Era::of(profile);
        let (source, text) = rfc::listing(self, era)
            .or_else(|| alloc::listing(self, era))
            .or_else(|| register::listing(self, era))
            .or_else(|| sets::listing(self, era))
            .or_else(|| sva::listing(self, era))
            .or_else(|| fault::listing(self, era))
            .unwrap_or((Source::of(self, era), ""));
        Listing {
            source,
            lines: parse(text),
        }
    }
}

/// `[id] text`, `[+a|b] text` or plain text, line by line (see [`PseudoLine`]).
fn parse(text: &'static str) -> Vec<PseudoLine> {
    text.lines()
        .map(
            |line| match line.strip_prefix('[').and_then(|l| l.split_once("] ")) {
                Some((with, text)) if with.starts_with('+') => PseudoLine {
                    id: None,
                    with: Some(&with[1..]),
                    text,
                },
                Some((id, text)) => PseudoLine {
                    id: Some(id),
                    with: None,
                    text,
                },
                None => PseudoLine {
                    id: None,
                    with: None,
                    text: line,
                },
            },
        )
        .collect()
}

/// Which code a listing follows: the kernel a profile names, the extension series, or
/// this project's design.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// The proposal of the February 2019 design thread, over the IDR allocator it
    /// extends (never merged).
    Rfc2019,
    V5_5,
    V5_11,
    V5_18,
    /// The unmerged "IOASID extensions for guest SVA" series, V4 (2021).
    Ext,
    /// IOASID Lab's improved design: no kernel has it.
    Improved,
    V6_6,
}

impl Era {
    /// The era a profile follows.
    pub fn of(profile: Profile) -> Era {
        match profile {
            Profile::Rfc2019 => Era::Rfc2019,
            Profile::V5_5 => Era::V5_5,
            Profile::V5_11 => Era::V5_11,
            Profile::V5_18 => Era::V5_18,
            Profile::Ext => Era::Ext,
            Profile::Improved => Era::Improved,
            Profile::V6_6 => Era::V6_6,
        }
    }

    /// The kernel tag an elixir link names, for a mainline era.
    pub fn tag(self) -> Option<&'static str> {
        match self {
            Era::V5_5 => Some("v5.5"),
            Era::V5_11 => Some("v5.11"),
            Era::V5_18 => Some("v5.18"),
            Era::V6_6 => Some("v6.6"),
            Era::Rfc2019 | Era::Ext | Era::Improved => None,
        }
    }
}

/// The series the `ext` listings follow: V4's cover letter in the public archive.
pub const EXT_SERIES: &str =
    "https://lore.kernel.org/r/1614463286-97618-1-git-send-email-jacob.jun.pan@linux.intel.com";

/// The 2019 design thread's last message in the public archive (it quotes the two before).
pub const RFC_THREAD: &str = "https://lore.kernel.org/r/20190219103712.73a1c2a1@jacob-builder";

/// Where a listing's code is: the file and function of its era, and a link the learner
/// can open (elixir at that kernel tag, the series on lore for `ext`; none for
/// `improved`, which no kernel has).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The file, e.g. `drivers/iommu/ioasid.c`.
    pub file: &'static str,
    /// The function(s), e.g. `ioasid_alloc()`.
    pub function: &'static str,
    /// The kernel version or series, e.g. `v5.11`, or "IOASID Lab's design".
    pub version: &'static str,
    /// A link to the code at that version.
    pub url: Option<String>,
}

impl Source {
    /// `file` and `function` at `era`.
    pub fn at(file: &'static str, function: &'static str, era: Era) -> Source {
        match era.tag() {
            Some(tag) => Source {
                file,
                function,
                version: tag,
                url: Some(format!(
                    "https://elixir.bootlin.com/linux/{tag}/source/{file}"
                )),
            },
            None if era == Era::Rfc2019 => Source {
                file,
                function,
                version: "the 2019 design thread (proposed, never merged)",
                url: Some(RFC_THREAD.to_string()),
            },
            None if era == Era::Ext => Source {
                file,
                function,
                version: "the extension series, V4 (2021)",
                url: Some(EXT_SERIES.to_string()),
            },
            None => Source {
                file,
                function,
                version: "IOASID Lab's design (no kernel has it)",
                url: None,
            },
        }
    }

    /// This source with a `#L` anchor to `line` on its elixir link (a mainline era's);
    /// unchanged without a line or an elixir link.
    pub fn with_line(mut self, line: Option<u32>) -> Source {
        if let (Some(l), Some(url)) = (line, self.url.as_mut()) {
            if url.starts_with("https://elixir.bootlin.com/") {
                url.push_str(&format!("#L{l}"));
            }
        }
        self
    }

    /// The default source of `f` at `era`: its file and function there.
    pub fn of(f: Func, era: Era) -> Source {
        let (file, function) = match (f, era) {
            (Func::VcmdHost, _) => (
                "drivers/iommu/intel/pasid.c",
                "vcmd_alloc_pasid() / vcmd_free_pasid()",
            ),
            (Func::Process, Era::V6_6) => ("drivers/iommu/iommu-sva.c", "mm_pasid_drop()"),
            (Func::Process, _) => ("kernel/fork.c", "__mmdrop()"),
            (Func::SvaBind, Era::V5_5) => ("drivers/iommu/intel-svm.c", "intel_svm_bind_mm()"),
            (Func::SvaUnbind, Era::V5_5) => ("drivers/iommu/intel-svm.c", "intel_svm_unbind_mm()"),
            (Func::SvaBind, Era::V6_6) => ("drivers/iommu/iommu-sva.c", "iommu_sva_bind_device()"),
            (Func::SvaUnbind, Era::V6_6) => {
                ("drivers/iommu/iommu-sva.c", "iommu_sva_unbind_device()")
            }
            (Func::SvaBind, _) => ("drivers/iommu/iommu-sva-lib.c", "iommu_sva_alloc_pasid()"),
            (Func::SvaUnbind, _) => ("drivers/iommu/iommu-sva-lib.c", "iommu_sva_free_pasid()"),
            (Func::PageRequest | Func::FaultHandler, Era::V5_5) => {
                ("drivers/iommu/intel-svm.c", "prq_event_thread()")
            }
            (Func::PageRequest | Func::FaultHandler, Era::V5_11) => {
                ("drivers/iommu/intel/svm.c", "prq_event_thread()")
            }
            (Func::PageRequest, _) => ("drivers/iommu/io-pgfault.c", "iommu_queue_iopf()"),
            (Func::FaultHandler, _) => ("drivers/iommu/io-pgfault.c", "iopf_handle_group()"),
            (Func::DomainFaultHandler, _) => ("drivers/iommu/io-pgfault.c", "iopf_handler()"),
            (Func::GlobalPasid, _) => ("drivers/iommu/iommu.c", "iommu_alloc_global_pasid()"),
            (f, _) => ("drivers/iommu/ioasid.c", f.title()),
        };
        Source::at(file, function, era)
    }
}

/// Where an IOASID function was last: ioasid.c of v6.3, the last release that had it
/// (v6.4 removed the IOASID allocator).
pub(crate) fn removed_in_v6_4(f: Func) -> Source {
    Source {
        file: "drivers/iommu/ioasid.c",
        function: f.title(),
        version: "v6.3 (removed in v6.4)",
        url: Some("https://elixir.bootlin.com/linux/v6.3/source/drivers/iommu/ioasid.c".into()),
    }
}

/// One function's listing under one era.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Listing {
    pub source: Source,
    pub lines: Vec<PseudoLine>,
}

/// Every function with a listing.
pub const ALL_FUNCS: [Func; 18] = [
    Func::IoasidAlloc,
    Func::IoasidFree,
    Func::IoasidFind,
    Func::IoasidSetData,
    Func::IoasidGetPut,
    Func::RegisterAllocator,
    Func::UnregisterAllocator,
    Func::VcmdHost,
    Func::SetAlloc,
    Func::SetPrivateIds,
    Func::RcuReader,
    Func::Process,
    Func::SvaBind,
    Func::SvaUnbind,
    Func::PageRequest,
    Func::FaultHandler,
    Func::DomainFaultHandler,
    Func::GlobalPasid,
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn every_listing() -> impl Iterator<Item = (Func, Profile)> {
        ALL_FUNCS
            .into_iter()
            .flat_map(|f| Profile::ALL.into_iter().map(move |p| (f, p)))
    }

    #[test]
    fn line_ids_are_unique_within_each_listing() {
        for (f, p) in every_listing() {
            let mut seen = HashSet::new();
            for l in f.listing(p).lines {
                if let Some(id) = l.id {
                    assert!(seen.insert(id), "{f:?} under {p} repeats line id {id}");
                }
            }
            // Only rfc-2019 may have a function with no line ids: one the 2019 thread
            // does not have, whose listing says so.
            let absent = p == Profile::Rfc2019 && rfc::says_absent(&f.listing(p));
            assert!(
                !seen.is_empty() || absent,
                "{f:?} under {p} has no line ids"
            );
        }
    }

    #[test]
    fn only_rfc_2019_has_functions_that_say_they_are_absent() {
        for (f, p) in every_listing() {
            let listing = f.listing(p);
            if p != Profile::Rfc2019 {
                assert!(!rfc::says_absent(&listing), "{f:?} under {p}");
            }
        }
        let absent = ALL_FUNCS
            .iter()
            .filter(|f| rfc::says_absent(&f.listing(Profile::Rfc2019)))
            .count();
        assert!(absent > 0 && absent < ALL_FUNCS.len(), "{absent}");
    }

    #[test]
    fn straight_line_code_names_reported_lines_of_its_own_listing() {
        for (f, p) in every_listing() {
            let listing = f.listing(p).lines;
            for l in &listing {
                for anchor in l.with.iter().flat_map(|w| w.split('|')) {
                    assert!(
                        listing.iter().any(|o| o.id == Some(anchor)),
                        "{f:?}: '{}' runs with {anchor}, which is not a line of it",
                        l.text
                    );
                }
            }
        }
    }
}
