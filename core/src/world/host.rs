//! The paravirtual host allocator's calls: `host_create`, `host_answer`,
//! `host_alloc`, `host_free`.
use super::World;
use crate::host::{Answer, Host, Script};
use crate::id::{Errno, Ioasid, Name, PASID_MAX};
use crate::trace::{Event, Val};
use crate::xarray::XArray;

impl World {
    /// Creates a host PASID space [min, max] (the host range is 1..=0xFFFFF by default).
    /// `EEXIST` for a second host of that name, `EINVAL` for a bad range.
    pub fn host_create(&mut self, host: &Name, min: Ioasid, max: Ioasid) -> Result<Val, Errno> {
        self.log.line("host.create");
        if self.hosts.contains_key(host) {
            return Err(Errno::EEXIST);
        }
        if min > max || max > PASID_MAX {
            self.log
                .explain(|| format!("a host range must lie within [0, {PASID_MAX}]"));
            return Err(Errno::EINVAL);
        }
        self.hosts.insert(
            *host,
            Host {
                min,
                max,
                ids: XArray::new(),
                answers: Script::default(),
            },
        );
        self.log
            .explain(|| format!("host {host} hands out PASIDs in [{min}, {max}] to every guest"));
        Ok(Val::Null)
    }

    /// Queues scripted answers for the host's next ALLOC commands. `ENOENT`: no such host.
    pub fn host_answer(&mut self, host: &Name, answers: &[Answer]) -> Result<Val, Errno> {
        self.log.line("host.script");
        let h = self.hosts.get_mut(host).ok_or(Errno::ENOENT)?;
        h.answers.extend(answers);
        let n = answers.len();
        self.log.explain(|| {
            format!("host {host} will answer the next {n} ALLOC command(s) as scripted")
        });
        Ok(Val::Null)
    }

    /// Another guest asks the host for a PASID (for lessons with several VMs).
    /// `ENOENT`: no such host; `ENOSPC`: no PASID available.
    pub fn host_alloc(&mut self, host: &Name, guest: &Name) -> Result<Val, Errno> {
        self.log.line("host.alloc");
        let h = self.hosts.get_mut(host).ok_or(Errno::ENOENT)?;
        let (answer, scripted) = h.alloc(guest);
        self.log.event(|| Event::HostAnswer {
            host: *host,
            answer,
            scripted,
        });
        self.hazard_host_answered(host, answer, scripted);
        match answer {
            Some(id) => {
                self.log
                    .explain(|| format!("host {host} gives PASID {id} to {guest}"));
                Ok(Val::Id(u64::from(id)))
            }
            None => {
                self.log
                    .explain(|| format!("host {host} has no PASID for {guest}"));
                Err(Errno::ENOSPC)
            }
        }
    }

    /// Another guest frees a host PASID. `ENOENT`: no such host or PASID.
    pub fn host_free(&mut self, host: &Name, id: Ioasid) -> Result<Val, Errno> {
        self.log.line("host.free");
        let h = self.hosts.get_mut(host).ok_or(Errno::ENOENT)?;
        if h.free(id) {
            self.hazard_host_freed(id);
            self.log.event(|| Event::HostFree {
                host: *host,
                id,
                skipped: false,
            });
            Ok(Val::Null)
        } else {
            // The host's business, not the guest kernel's: nothing in the guest's log.
            self.log
                .explain(|| format!("host {host} does not know PASID {id}"));
            Err(Errno::ENOENT)
        }
    }
}
