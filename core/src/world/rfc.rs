//! The 2019 design thread's proposal (profile `rfc-2019`), each piece behind its knob and
//! called from one place in the existing calls:
//! - `rfc_one_allocator`: `register` is `ioasid_set_allocator()`, one system-wide
//!   allocator (a second call replaces the first), `unregister` sets it back to NULL;
//! - `rfc_idr`: `alloc` stores through the IDR (`idr_alloc`'s end is exclusive; a custom
//!   answer goes through `[id, id + 1)` unchecked and is never rolled back), and a free of
//!   an ID the IDR does not hold is silent;
//! - `rfc_find_exact`: `find` as the IDR allocator has it (the set must match exactly;
//!   a miss is NULL).
//!
//! Sources: docs/kernel-reference/rfc-2019.md.
use super::World;
use crate::allocator::Group;
use crate::hazard::HazardKind;
use crate::id::{Data, Errno, Ioasid, Name, INVALID_IOASID};
use crate::space::{set_label, Entry, Getter};
use crate::trace::{Event, FaultStage, Val};
use crate::xarray::{XArray, XaVisit};

/// `idr_alloc()` takes `int` limits: a start above this is negative and warns.
const INT_MAX: Ioasid = i32::MAX as Ioasid;

/// What a bare `WARN_ON_ONCE(start < 0)` in `idr_alloc()` prints (lib/idr.c, v5.0).
pub const IDR_ALLOC_WARNING: &str = "WARNING: at lib/idr.c:84 idr_alloc";

impl World {
    /// `ioasid_set_allocator(allocator)` (`rfc_one_allocator`): the one custom
    /// allocator. The first call takes over the IDR with whatever it holds (nothing is
    /// refused); a later call overwrites the allocator silently, and the IDs the first
    /// one handed out stay stored and are freed through the new one. Never fails.
    pub(crate) fn rfc_set_allocator(
        &mut self,
        allocator: &Name,
        fns: &Name,
        host: Option<&Name>,
    ) -> Result<Val, Errno> {
        let from = self.active_name();
        let before = self
            .groups
            .first()
            .map(|g| (g.members.first().copied(), g.fns, g.host));
        if before == Some((Some(*allocator), *fns, host.copied())) {
            self.log.line("rfc.replace");
            self.log.explain(|| {
                format!("{allocator} is already the allocator: set again, nothing changes")
            });
            return Ok(Val::Null);
        }
        // The one IDR: the active storage moves to the new allocator.
        let store = match self.groups.first_mut() {
            Some(g) => std::mem::replace(&mut g.store, XArray::new()),
            None => std::mem::replace(&mut self.default_store, XArray::new()),
        };
        let held = store.len();
        let lowest = store.iter().next().map(|(id, _)| id);
        self.groups.clear();
        self.reg_index.0 = None;
        self.groups.push(Group {
            fns: *fns,
            members: vec![*allocator],
            pdata: *allocator,
            host: host.copied(),
            store,
        });
        self.log.switched = true;
        let to = self.active_name();
        self.log.event(|| Event::ActiveChanged { from, to });
        match before.and_then(|(old, _, _)| old) {
            Some(old) => {
                self.log.line("rfc.replace");
                if let Some(id) = lowest {
                    self.hazard_created(HazardKind::ForeignFrees, id, || format!(
                        "{held} ID(s) handed out by {old} are still stored: their frees now go to {allocator}'s free, whose backend never gave them out"
                    ));
                }
                self.log.explain(|| format!(
                    "one allocator only: {allocator} overwrites {old} without a word; from now on every alloc asks {allocator}"
                ));
            }
            None => {
                if held > 0 {
                    self.log.line("rfc.take_over");
                }
                self.log.explain(|| {
                    if held > 0 {
                        format!("{allocator} is the system-wide allocator now; the {held} ID(s) the IDR already holds stay (nothing refuses)")
                    } else {
                        format!("{allocator} is the system-wide allocator now: it takes precedence over the IDR")
                    }
                });
            }
        }
        Ok(Val::Null)
    }

    /// `ioasid_set_allocator(NULL)` (`rfc_one_allocator`), the model's reading of an
    /// unregister the thread does not have: allocation returns to the IDR, which keeps
    /// every ID. An allocator that is not the one set: nothing happens, nothing is
    /// printed (`ENOENT` with real error codes).
    pub(crate) fn rfc_unset_allocator(&mut self, allocator: &Name) -> Result<Val, Errno> {
        if !self
            .groups
            .first()
            .is_some_and(|g| g.members.contains(allocator))
        {
            self.log
                .explain(|| format!("{allocator} is not the allocator set: nothing happens"));
            return if self.knobs.real_errno {
                Err(Errno::ENOENT)
            } else {
                Ok(Val::Null)
            };
        }
        self.log.line("rfc.unset");
        let from = self.active_name();
        let group = self.groups.remove(0);
        self.reg_index.0 = None;
        let held = group.store.len();
        if self.default_store.is_empty() {
            self.default_store = group.store;
        } else {
            for (id, e) in group.store.iter() {
                let _ = self.default_store.insert(id, e.clone());
            }
        }
        self.log.switched = true;
        let to = self.active_name();
        self.log.event(|| Event::ActiveChanged { from, to });
        self.log.explain(|| format!(
            "the allocator is NULL again: allocation goes back to the IDR, which keeps the {held} ID(s) it stores"
        ));
        Ok(Val::Null)
    }

    /// The thread's `ioasid_alloc()` after the checks (`rfc_idr`): picks the number and
    /// stores `entry` through `idr_alloc(min, max)`, whose `max` is exclusive. With a
    /// custom allocator the range is `[answer, answer + 1)`, unchecked: a failed answer
    /// (`INVALID_IOASID`) makes `min` -1 as an `int`, so `idr_alloc` warns and refuses;
    /// an answer the IDR holds fails with nothing given back to the allocator.
    pub(crate) fn rfc_store(
        &mut self,
        min: Ioasid,
        max: Ioasid,
        entry: Entry,
    ) -> Result<Ioasid, Errno> {
        let custom = !self.groups.is_empty();
        let (start, end) = if custom {
            self.log.line("alloc.custom");
            let answer = self.custom_alloc(min, max);
            self.log.line("alloc.store_exact");
            match answer {
                Ok(id) => (id, id.wrapping_add(1)),
                Err(_) => {
                    self.log.line("rfc.wrap");
                    self.log.explain(|| {
                        "nothing checks the answer: min = INVALID_IOASID, max = INVALID_IOASID + 1, which wraps to 0".into()
                    });
                    (INVALID_IOASID, 0)
                }
            }
        } else {
            (min, max)
        };
        self.log.line("alloc.default");
        if start > INT_MAX {
            self.log.line("rfc.idr_warn");
            self.log.klog(IDR_ALLOC_WARNING);
            self.log.line("alloc.full");
            self.log.explain(|| format!(
                "the IDR's idr_alloc takes int limits: start {start} is {} there, so it warns and returns -EINVAL; ioasid_alloc returns INVALID_IOASID",
                start as i32
            ));
            return Err(Errno::EINVAL);
        }
        // idr_alloc: an end of 0 or less means no limit (INT_MAX).
        let top = match i32::try_from(end) {
            Ok(e) if e > 0 => end - 1,
            _ => INT_MAX,
        };
        if custom {
            if start < min || start > max {
                self.log.explain(|| {
                    format!(
                        "{start} is outside [{min}, {max}]: nothing checks it, the IDR stores it"
                    )
                });
            }
            if let Err(_rejected) = self.active_store_mut().insert(start, entry) {
                self.log.line("alloc.full");
                self.log.line("rfc.no_rollback");
                let pdata = self.groups.first().map(|g| g.pdata);
                self.hazard_created(HazardKind::UnreturnedAnswer, start, || {
                    format!(
                        "{start} is already stored: idr_alloc refuses, and nothing gives it back, so the allocator{} still counts it as handed out",
                        pdata.map(|p| format!(" ({p})")).unwrap_or_default()
                    )
                });
                self.log.explain(|| format!(
                    "{start} is already in the IDR: idr_alloc({start}, {end}) has no room (-ENOSPC); the sketch has no error path, so the backend's {start} is never freed"
                ));
                return Err(Errno::ENOSPC);
            }
            self.log.line("alloc.store");
            let store = self.active_name();
            self.log.event(|| Event::Stored { id: start, store });
            self.log.explain(|| {
                format!(
                    "the IDR records {start} at exactly that ID: [{start}, {end}) (storage only)"
                )
            });
            return Ok(start);
        }
        let mut path: Vec<XaVisit> = Vec::new();
        let record = self.log.record;
        let found = if start > top {
            None
        } else {
            self.default_store.alloc(
                start,
                top,
                entry,
                if record { Some(&mut path) } else { None },
            )
        };
        self.log.event(|| Event::Search {
            store: "default".into(),
            min: start,
            max: top,
            path,
            found,
        });
        match found {
            Some(id) => {
                self.log.line("alloc.store");
                self.log.explain(|| {
                    format!(
                        "the IDR picked {id}: the lowest free ID in [{min}, {max}), max excluded"
                    )
                });
                Ok(id)
            }
            None => {
                self.log.line("alloc.full");
                self.log.explain(|| {
                    format!("no free ID in [{min}, {max}): idr_alloc's end is exclusive, so {max} is not a candidate")
                });
                Err(Errno::ENOSPC)
            }
        }
    }

    /// The thread's `ioasid_free()` of an ID the IDR does not hold (`rfc_idr`): the
    /// custom free is called first, as for any ID, then `idr_remove` finds nothing and
    /// nothing is printed (`ENOENT` with real error codes).
    pub(crate) fn rfc_free_unknown(&mut self, id: Ioasid) -> Result<Val, Errno> {
        if !self.groups.is_empty() {
            self.log.line("free.backend");
            self.custom_free(id, false);
        }
        self.log.line("free.unknown");
        self.log.explain(|| {
            format!("{id} is not in the IDR: idr_remove returns NULL and nothing is printed")
        });
        if self.knobs.real_errno {
            Err(Errno::ENOENT)
        } else {
            Ok(Val::Null)
        }
    }

    /// The IDR allocator's `ioasid_find()` (`rfc_find_exact`): the data only when the ID
    /// is stored and its set is exactly `set` (NULL finds only NULL-set IDs); NULL for
    /// every miss. The getter runs on whatever was found, NULL included (flaw 1).
    pub(crate) fn rfc_find(
        &mut self,
        set: Option<&Name>,
        id: Ioasid,
        getter: Option<Getter>,
    ) -> Result<Option<Data>, Errno> {
        let entry = self.entry(id).cloned();
        let Some(entry) = entry.filter(|e| e.set.as_ref() == set) else {
            self.log.line("rfc.find_miss");
            self.log.line("find.found");
            let stored = self
                .entry(id)
                .map(|e| crate::space::set_label(e.set.as_ref()));
            let want = crate::space::set_label(set);
            self.log.explain(|| match stored {
                Some(have) => format!("{id} belongs to {have}, not {want}: NULL, the same answer as for an ID never allocated"),
                None => format!("{id} is not in the IDR: NULL"),
            });
            return Ok(None);
        };
        self.log.line("rfc.find_exact");
        self.log.line("find.deref");
        let data = entry.data;
        if let Some(Getter::MmAlive) = getter {
            let alive = data
                .as_ref()
                .and_then(|d| d.mm())
                .and_then(|m| self.mms.get(m))
                .is_some_and(|m| m.alive);
            if data.is_none() && !self.knobs.flaw_getter_without_data {
                self.log.line("find.no_data");
                self.log.line("find.found");
                return Ok(None);
            }
            if !alive {
                self.log.line("find.getter_null");
                self.log.line("find.found");
                if data.is_none() {
                    self.hazard_created(HazardKind::GetterOnNull, id, || {
                        format!("the getter was called on {id}'s NULL data")
                    });
                }
                self.log
                    .explain(|| format!("the getter refuses {id}'s data: NULL"));
                return Ok(None);
            }
        }
        if data.is_none() {
            self.log.line("find.no_data");
        }
        self.log.line("find.found");
        self.log.explain(|| match &data {
            Some(d) => format!("{id} -> {}", d.label()),
            None => format!("{id} is allocated but its data is not set yet: NULL"),
        });
        Ok(data)
    }

    /// Why the fault path's lookup (`rfc_find_exact`) gave NULL: the 2019 find cannot
    /// say, so the model tells apart an unknown PASID, another set's, one with no data
    /// yet and a refused getter (the kernel prints nothing for any of them).
    pub(crate) fn rfc_fault_miss(&self, pasid: Ioasid, set: Option<&Name>) -> (FaultStage, String) {
        match self.entry(pasid) {
            None => (
                FaultStage::Lookup,
                format!("PASID {pasid} is not allocated: the lookup returned NULL"),
            ),
            Some(e) if e.set.as_ref() != set => (
                FaultStage::Lookup,
                format!(
                    "PASID {pasid} belongs to {}: the lookup in {} returned NULL",
                    set_label(e.set.as_ref()),
                    set_label(set)
                ),
            ),
            Some(e) => match e.data {
                None => (
                    FaultStage::Lookup,
                    format!("PASID {pasid} has no data yet (allocated, not bound)"),
                ),
                Some(d) => (
                    FaultStage::Getter,
                    format!("the getter refused {}: NULL", d.label()),
                ),
            },
        }
    }
}
