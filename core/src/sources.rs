//! Where the model comes from, for the app's "Sources" view: the 2019 mailing-list
//! thread the design started in, the kernel code each profile follows, and the
//! project's own kernel reference. Links only: nothing is fetched at run time; the
//! learner opens them.
use crate::profile::Profile;

/// One source: what it is, a line on why it matters, and its public address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    pub title: &'static str,
    pub detail: &'static str,
    pub url: &'static str,
}

/// The February 2019 thread "[RFC PATCH 1/5] iommu: Add APIs for IOMMU PASID
/// management", in the order its messages were written, with the patch it answers.
pub const THREAD: &[Link] = &[
    Link {
        title: "Lu Baolu, 12 Nov 2018: [RFC PATCH 1/5] iommu: Add APIs for IOMMU PASID management",
        detail: "The patch the thread answers: PASID APIs for IOMMU and device drivers, on an ID allocator, with vendor drivers supplying paravirtual PASIDs.",
        url: "https://lore.kernel.org/r/20181112064501.2290-2-baolu.lu@linux.intel.com",
    },
    Link {
        title: "Jacob Pan, 30 Jan 2019: Re: [RFC PATCH 1/5]",
        detail: "Proposes a system-wide custom allocator that takes precedence over the IDR, private data set after allocation, and a NULL set.",
        url: "https://lore.kernel.org/r/20190130110507.54e8bfad@jacob-builder",
    },
    Link {
        title: "Jean-Philippe Brucker, 15 Feb 2019: Re: [RFC PATCH 1/5]",
        detail: "Agrees to register the allocator at boot and keep the IDR for storage (min = id, max = id + 1) so a fault can still find the mm; explains sets: several modules share one ID space, so the fault path must search only the SVA set.",
        url: "https://lore.kernel.org/r/65452190-afac-bc71-de29-ce24b508955a@arm.com",
    },
    Link {
        title: "Jacob Pan, 19 Feb 2019: Re: [RFC PATCH 1/5]",
        detail: "The allocator struct (alloc, free, pdata) and its limit of one allocator; sets for VFIO, so only IDs allocated by the same QEMU process may be bound; the five usage scenarios.",
        url: "https://lore.kernel.org/r/20190219103712.73a1c2a1@jacob-builder",
    },
];

/// The "IOASID extensions for guest SVA" series, V4, the `ext` profile's source.
pub const EXT_SERIES: Link = Link {
    title: "Jacob Pan, 27 Feb 2021: [PATCH V4 00/18] IOASID extensions for guest SVA",
    detail: "The unmerged series: sets with quotas and types, owners, guest PASIDs, notifiers, FREE_PENDING.",
    url: "https://lore.kernel.org/r/1614463286-97618-1-git-send-email-jacob.jun.pan@linux.intel.com",
};

/// The project's kernel reference: every rule the model follows, with its source line.
pub const REFERENCE: &str = "docs/kernel-reference/ in IOASID Lab's repository: every rule the model follows, per era, with a link to the kernel line it comes from and the test that checks it.";

/// The kernel code a profile follows, file by file, with links at that version.
pub fn profile_sources(p: Profile) -> Vec<Link> {
    fn elixir(tag: &'static str, file: &'static str) -> &'static str {
        // The links are fixed strings: one per (tag, file) pair used below.
        match (tag, file) {
            ("v5.5", "ioasid") => {
                "https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c"
            }
            ("v5.5", "svm") => {
                "https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/intel-svm.c"
            }
            ("v5.8", "iommu") => {
                "https://elixir.bootlin.com/linux/v5.8/source/drivers/iommu/intel/iommu.c"
            }
            ("v5.11", "ioasid") => {
                "https://elixir.bootlin.com/linux/v5.11/source/drivers/iommu/ioasid.c"
            }
            ("v5.11", "sva") => {
                "https://elixir.bootlin.com/linux/v5.11/source/drivers/iommu/iommu-sva-lib.c"
            }
            ("v5.11", "svm") => {
                "https://elixir.bootlin.com/linux/v5.11/source/drivers/iommu/intel/svm.c"
            }
            ("v5.18", "ioasid") => {
                "https://elixir.bootlin.com/linux/v5.18/source/drivers/iommu/ioasid.c"
            }
            ("v5.18", "sva") => {
                "https://elixir.bootlin.com/linux/v5.18/source/drivers/iommu/iommu-sva-lib.c"
            }
            ("v5.18", "fork") => "https://elixir.bootlin.com/linux/v5.18/source/kernel/fork.c",
            ("v5.18", "iopf") => {
                "https://elixir.bootlin.com/linux/v5.18/source/drivers/iommu/io-pgfault.c"
            }
            ("v6.6", "sva") => {
                "https://elixir.bootlin.com/linux/v6.6/source/drivers/iommu/iommu-sva.c"
            }
            ("v6.6", "iommu") => {
                "https://elixir.bootlin.com/linux/v6.6/source/drivers/iommu/iommu.c"
            }
            ("v6.6", "iopf") => {
                "https://elixir.bootlin.com/linux/v6.6/source/drivers/iommu/io-pgfault.c"
            }
            _ => "https://elixir.bootlin.com/linux/latest/source/drivers/iommu",
        }
    }
    let l = |title, detail, url| Link { title, detail, url };
    match p {
        // The proposal: the thread's messages are its source (listed with the thread).
        Profile::Rfc2019 => THREAD.to_vec(),
        Profile::V5_5 => vec![
            l("drivers/iommu/ioasid.c, v5.5", "The allocator: alloc, free, find, set_data, custom allocators (unchanged through v5.10).", elixir("v5.5", "ioasid")),
            l("drivers/iommu/intel-svm.c, v5.5", "VT-d's own SVA bind and unbind, and its page-request thread.", elixir("v5.5", "svm")),
            l("drivers/iommu/intel/iommu.c, v5.8", "The VT-d paravirtual (vcmd) allocator, which arrived in v5.8: the v5.5 profile shows it as v5.8-v5.10 had it.", elixir("v5.8", "iommu")),
        ],
        Profile::V5_11 => vec![
            l("drivers/iommu/ioasid.c, v5.11", "The allocator with reference counts (ioasid_get, ioasid_put).", elixir("v5.11", "ioasid")),
            l("drivers/iommu/iommu-sva-lib.c, v5.11", "The SVA PASID helpers: one PASID per mm, a reference per bind.", elixir("v5.11", "sva")),
            l("drivers/iommu/intel/svm.c, v5.11", "VT-d's own page-request thread (the generic handler arrived in v5.13).", elixir("v5.11", "svm")),
        ],
        Profile::V5_18 => vec![
            l("drivers/iommu/ioasid.c, v5.18", "The allocator, reference counts removed again.", elixir("v5.18", "ioasid")),
            l("drivers/iommu/iommu-sva-lib.c, v5.18", "The SVA PASID helper.", elixir("v5.18", "sva")),
            l("kernel/fork.c, v5.18", "The PASID is dropped with the mm structure (__mmdrop).", elixir("v5.18", "fork")),
            l("drivers/iommu/io-pgfault.c, v5.18", "The generic page-fault handler: groups, one response each.", elixir("v5.18", "iopf")),
        ],
        Profile::V6_6 => vec![
            l("drivers/iommu/iommu-sva.c, v6.6", "SVA bind and unbind on SVA domains; the PASID lives with the mm.", elixir("v6.6", "sva")),
            l("drivers/iommu/iommu.c, v6.6", "The global PASID allocator and (device, PASID) attachments.", elixir("v6.6", "iommu")),
            l("drivers/iommu/io-pgfault.c, v6.6", "Page requests routed to the attached domain's handler.", elixir("v6.6", "iopf")),
        ],
        Profile::Ext => vec![EXT_SERIES],
        Profile::Improved => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kernel_profile_names_its_sources_with_links_at_its_version() {
        for p in Profile::ALL {
            let links = profile_sources(p);
            if p == Profile::Rfc2019 {
                assert_eq!(links, THREAD.to_vec(), "rfc-2019 follows the thread");
                continue;
            }
            if p == Profile::Improved {
                assert!(links.is_empty(), "improved is no kernel's");
                continue;
            }
            assert!(!links.is_empty(), "{p} names no source");
            for l in links {
                assert!(l.url.starts_with("https://"), "{p}: {}", l.title);
                assert!(
                    !l.url.contains("/latest/"),
                    "{p}: {} has no version",
                    l.title
                );
            }
        }
        for m in THREAD {
            assert!(
                m.url.starts_with("https://lore.kernel.org/r/"),
                "{}",
                m.title
            );
        }
    }
}
