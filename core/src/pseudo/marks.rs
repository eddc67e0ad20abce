//! Which lines of a listing a step ran, for the code pane: [`Listing::marks`].
use super::Listing;

/// The places in the order a line shows before "…" (see [`LineMark::order`]).
pub const ORDER_SHOWN: usize = 6;

/// How one line of a listing shows for a step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineMark {
    /// The line ran: it was reported, or it is straight-line code that runs with a line
    /// that was.
    pub ran: bool,
    /// The line is the last one of this listing the step reported.
    pub current: bool,
    /// Its first places (from 1) in the order of the listing's reported lines: a step
    /// that runs a long queue passes a line once per request.
    pub order: Vec<usize>,
    /// It has more places than `order` holds.
    pub more: bool,
}

impl Listing {
    /// Marks each of the listing's lines given the line ids a step reported, in order.
    /// Ids of other listings (a step may pass through another function) are skipped, so
    /// the places read 1, 2, 3... `order` keeps at most `shown` places per line.
    ///
    /// Linear in the reported ids and the listing's lines (a step answering 200,000
    /// page requests reports millions of ids). Never fails; does not allocate per id.
    ///
    /// # Examples
    ///
    /// ```
    /// use ioasid_core::pseudo::Func;
    /// use ioasid_core::Profile;
    /// let listing = Func::IoasidAlloc.listing(Profile::V5_5);
    /// let first = listing.lines.iter().find_map(|l| l.id).unwrap();
    /// let marks = listing.marks(&[first, "not.in.this.listing", first], 6);
    /// let line = listing.lines.iter().position(|l| l.id == Some(first)).unwrap();
    /// assert_eq!(marks[line].order, [1, 2]);
    /// assert!(marks[line].ran && marks[line].current);
    /// ```
    pub fn marks(&self, reported: &[&str], shown: usize) -> Vec<LineMark> {
        // The reported lines' ids, sorted, with the line each is on.
        let mut ids: Vec<(&str, usize)> = (self.lines.iter().enumerate())
            .filter_map(|(k, l)| l.id.map(|id| (id, k)))
            .collect();
        ids.sort_unstable();
        // A long step reports a few ids millions of times, each the same static text:
        // the range of `ids` for an id is remembered by the text's address and length
        // (a binary search of string compares per id took 90 ms for 2 million).
        let mut seen = Seen::default();
        let mut marks = vec![LineMark::default(); self.lines.len()];
        let mut place = 0;
        let mut last = None;
        for id in reported {
            let (from, to) = seen.range(&ids, id);
            let lines = ids.get(from..to).unwrap_or_default();
            if lines.is_empty() {
                continue;
            }
            place += 1;
            last = Some(*id);
            for &(_, k) in lines {
                let Some(m) = marks.get_mut(k) else { continue };
                m.ran = true;
                if m.order.len() < shown {
                    m.order.push(place);
                } else {
                    m.more = true;
                }
            }
        }
        // Which ids were reported, by the lines that carry them; then each line's rule
        // (straight-line code runs with any of its reported lines).
        let hit: Vec<bool> = marks.iter().map(|m| m.ran).collect();
        let was_reported =
            |id: &str| lines_of(&ids, id).any(|k| hit.get(k).copied().unwrap_or(false));
        for (line, m) in self.lines.iter().zip(marks.iter_mut()) {
            m.ran = line.ran_if(was_reported);
            m.current = m.ran && line.id.is_some() && line.id == last;
        }
        marks
    }
}

/// Ids remembered by address in [`Listing::marks`] (more are looked up each time).
const SEEN_SLOTS: usize = 64;

/// The ranges of the sorted ids already looked up, by the id text's address and length:
/// an open-addressed table (linear probing), so each distinct id has its own slot.
struct Seen([Option<SeenId>; SEEN_SLOTS]);

/// An id's text address and length, and where it is in the sorted ids.
type SeenId = ((usize, usize), (usize, usize));

impl Default for Seen {
    fn default() -> Self {
        Seen([None; SEEN_SLOTS])
    }
}

impl Seen {
    /// Where `id` is in the sorted `ids`: remembered, or looked up and remembered.
    fn range(&mut self, ids: &[(&str, usize)], id: &str) -> (usize, usize) {
        let key = (id.as_ptr() as usize, id.len());
        let hash = (key.0 as u64 ^ key.1 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58;
        for probe in 0..SEEN_SLOTS {
            let slot = (hash as usize + probe) % SEEN_SLOTS;
            match self.0.get_mut(slot) {
                Some(Some((k, r))) if *k == key => return *r,
                Some(Some(_)) => continue,
                Some(free) => {
                    let r = range_of(ids, id);
                    *free = Some((key, (r.start, r.end)));
                    return (r.start, r.end);
                }
                None => break,
            }
        }
        let r = range_of(ids, id);
        (r.start, r.end)
    }
}

/// Where `id` is in the sorted `ids`.
fn range_of(ids: &[(&str, usize)], id: &str) -> std::ops::Range<usize> {
    let from = ids.partition_point(|(x, _)| *x < id);
    from..ids.partition_point(|(x, _)| *x <= id)
}

/// The lines (indices) of the sorted `ids` whose id is `id`.
fn lines_of<'a>(ids: &'a [(&str, usize)], id: &'a str) -> impl Iterator<Item = usize> + 'a {
    ids.get(range_of(ids, id))
        .unwrap_or_default()
        .iter()
        .map(|(_, k)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pseudo::{Func, ALL_FUNCS};
    use crate::Profile;

    /// The marks computed the plain way (quadratic): every reported id of the listing,
    /// then each line's places among them.
    fn reference(listing: &Listing, reported: &[&str], shown: usize) -> Vec<LineMark> {
        let ran: Vec<&str> = reported
            .iter()
            .copied()
            .filter(|id| listing.lines.iter().any(|l| l.id == Some(*id)))
            .collect();
        let current = ran.last().copied();
        listing
            .lines
            .iter()
            .map(|line| {
                let places: Vec<usize> = line.id.map_or(Vec::new(), |id| {
                    (1..=ran.len()).filter(|&k| ran[k - 1] == id).collect()
                });
                let is_run = line.ran(&ran);
                LineMark {
                    ran: is_run,
                    current: is_run && line.id.is_some() && line.id == current,
                    order: places.iter().copied().take(shown).collect(),
                    more: places.len() > shown,
                }
            })
            .collect()
    }

    #[test]
    fn marks_agree_with_the_plain_count_for_every_listing() {
        for profile in Profile::ALL {
            for func in ALL_FUNCS {
                let listing = func.listing(profile);
                let ids: Vec<&str> = listing.lines.iter().filter_map(|l| l.id).collect();
                // Every id once, then in reverse with repeats, with foreign ids between.
                let mut reported: Vec<&str> = ids.clone();
                for (k, id) in ids.iter().rev().enumerate() {
                    reported.push("other.listing");
                    reported.extend(std::iter::repeat_n(*id, k % 9));
                }
                for shown in [0, 1, 6] {
                    for cut in [0, 1, ids.len(), reported.len()] {
                        let r = &reported[..cut.min(reported.len())];
                        assert_eq!(
                            listing.marks(r, shown),
                            reference(&listing, r, shown),
                            "{func:?} under {profile}, {cut} ids, {shown} places"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_queue_of_many_requests_keeps_a_few_places_per_line() {
        let listing = Func::FaultHandler.listing(Profile::V5_18);
        let ids: Vec<&str> = listing.lines.iter().filter_map(|l| l.id).collect();
        let reported: Vec<&str> = (0..200_000).flat_map(|_| ids.iter().copied()).collect();
        let marks = listing.marks(&reported, 6);
        for (line, m) in listing.lines.iter().zip(&marks) {
            if line.id.is_some() {
                assert_eq!(m.order.len(), 6);
                assert!(m.more && m.ran);
            }
        }
        assert_eq!(marks.iter().filter(|m| m.current).count(), 1);
    }
}
