//! The default allocator's storage: a persistent 64-way radix tree with per-slot
//! free marks, in the spirit of the kernel's `XA_FLAGS_ALLOC` xarray (our own design).
//!
//! # Shape
//!
//! Every node has 64 slots and consumes 6 bits of the key. A tree of height `h`
//! covers the keys `[0, 64^h)`; it grows at the top when a key beyond its cover
//! is stored and shrinks back when the top node is left with only slot 0. Six
//! levels cover the whole `u32` key space (the top node of a height-6 tree uses
//! only slots 0..=3). Keys beyond the current cover are free by definition.
//!
//! Each node carries three summary words:
//!
//! * `free`: bit `i` set when some key under slot `i` is free (the "has free
//!   slot below" mark that `find_free` walks with `trailing_zeros`);
//! * `used`: bit `i` set when slot `i` holds an entry (leaf) or a child (inner),
//!   so iteration and range counting skip empty subtrees;
//! * `count`: the number of entries stored under the node.
//!
//! # Sharing
//!
//! Nodes live in [`Rc`]s. Cloning an [`XArray`] copies one pointer; a later
//! mutation of either copy duplicates only the nodes on the path it touches
//! (`Rc::make_mut`), so a history of snapshots (one per visualised step) shares
//! almost all of its structure. When the tree is not shared, mutation works in
//! place and never copies. Empty nodes are freed as soon as their last entry
//! goes, so memory stays proportional to the number of entries.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::rc::Rc;

/// Key bits consumed per level.
const BITS: u32 = 6;
/// Slots per node.
const FANOUT: u64 = 1 << BITS;
/// Mask selecting a slot from a shifted key.
const SLOT_MASK: u64 = FANOUT - 1;
/// The tallest tree ever needed: `6 * 6 = 36 >= 32` key bits.
const MAX_HEIGHT: u8 = 6;

/// One node visited during a lowest-free search, for the visualizer to draw.
///
/// A search pushes one `XaVisit` each time it examines a node's mark word to pick a
/// slot. When the subtree under the picked slot turns out to hold no free key inside
/// the requested range, that child's visit has `backtracked` set and the parent is
/// examined again, pushing a fresh visit with the next slot it picks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct XaVisit {
    /// Depth of the node, 0 for the root.
    pub level: u8,
    /// First key this node covers.
    pub base: u32,
    /// Key bits below this node's slots (0 for a leaf; slot `i` covers
    /// `base + (i << shift) ..= base + ((i + 1) << shift) - 1`).
    pub shift: u8,
    /// The node's "has free slot below" mark word, as read (before range masking).
    pub free_marks: u64,
    /// The slot chosen, or the last slot examined if the node backtracked.
    pub slot: u8,
    /// True when this node held no free key inside the range and the search
    /// returned to its parent.
    pub backtracked: bool,
}

/// A persistent radix tree mapping `u32` keys to values, with free-slot marks for
/// lowest-free allocation. See the [module documentation](self).
pub struct XArray<T> {
    root: Option<Rc<Node<T>>>,
    /// 0 when empty; otherwise the root covers `[0, 64^height)`.
    height: u8,
}

// `repr(C)` keeps the summary words first, on the same cache line as the `Rc`
// counts, so a descent touches one line per node plus the slot it follows.
#[repr(C)]
#[derive(Clone)]
struct Node<T> {
    free: u64,
    used: u64,
    count: u64,
    kind: Kind<T>,
}

// Both variants live inside an `Rc`'d node whose level fixes the variant; boxing the
// larger one would add a pointer chase per level for no memory gain at realistic `T`.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Kind<T> {
    Leaf([Option<T>; FANOUT as usize]),
    Inner([Option<Rc<Node<T>>>; FANOUT as usize]),
}

/// Records the nodes a search visits, or (for [`NoTrace`]) compiles to nothing.
trait Trace {
    fn visit(&mut self, f: impl FnOnce() -> XaVisit);
}

struct NoTrace;

impl Trace for NoTrace {
    #[inline(always)]
    fn visit(&mut self, _f: impl FnOnce() -> XaVisit) {}
}

impl Trace for Vec<XaVisit> {
    fn visit(&mut self, f: impl FnOnce() -> XaVisit) {
        self.push(f());
    }
}

/// Slot of `key` in a node whose slots sit `shift` bits up.
#[inline(always)]
fn slot_of(key: u64, shift: u32) -> usize {
    ((key >> shift) & SLOT_MASK) as usize
}

/// Bits `lo..=hi` set (both `< 64`, `lo <= hi`).
#[inline(always)]
fn bit_range(lo: u64, hi: u64) -> u64 {
    (u64::MAX << (lo & 63)) & (u64::MAX >> (63 - (hi & 63)))
}

/// The slot window `lo..=hi` of a node at `base` (slots `shift` bits up) that
/// intersects `[min, max]`. Assumes the node intersects the range.
#[inline(always)]
fn slot_window(base: u64, shift: u32, min: u64, max: u64) -> u64 {
    let lo = if min > base { (min - base) >> shift } else { 0 };
    let hi = ((max.saturating_sub(base)) >> shift).min(SLOT_MASK);
    bit_range(lo.min(SLOT_MASK), hi)
}

/// Number of keys covered by a node whose slots sit `shift` bits up.
#[inline(always)]
fn span(shift: u32) -> u64 {
    FANOUT << shift
}

impl<T> Node<T> {
    fn empty(shift: u32) -> Self {
        Node {
            free: u64::MAX,
            used: 0,
            count: 0,
            kind: if shift == 0 {
                Kind::Leaf(std::array::from_fn(|_| None))
            } else {
                Kind::Inner(std::array::from_fn(|_| None))
            },
        }
    }

    /// A chain of fresh nodes from `shift` down to a leaf holding only `key`.
    /// Kept out of line: it builds a whole node on the stack, which would bloat the
    /// frames of the hot descents.
    #[inline(never)]
    fn singleton(shift: u32, key: u64, value: T) -> Self {
        let i = slot_of(key, shift);
        let bit = 1u64 << i;
        let mut node = Node::empty(shift);
        match &mut node.kind {
            Kind::Leaf(vals) => {
                vals[i] = Some(value);
                node.free = !bit;
            }
            Kind::Inner(slots) => {
                slots[i] = Some(Rc::new(Node::singleton(
                    shift.saturating_sub(BITS),
                    key,
                    value,
                )));
            }
        }
        node.used = bit;
        node.count = 1;
        node
    }

    /// Looks `key` up below this node.
    #[inline]
    fn lookup(&self, mut shift: u32, key: u64) -> Option<&T> {
        let mut node = self;
        loop {
            let i = slot_of(key, shift);
            match &node.kind {
                Kind::Leaf(vals) => return vals[i].as_ref(),
                Kind::Inner(slots) => {
                    node = slots[i].as_deref()?;
                    shift = shift.saturating_sub(BITS);
                }
            }
        }
    }

    /// Lowest free key in `[min, max]` below this node (which covers
    /// `[base, base + span(shift))` and intersects the range), by an iterative mark
    /// walk with backtracking; `path` receives the descent that found it (levels
    /// counted from this node).
    #[inline]
    fn descend<R: Trace>(
        &self,
        shift: u32,
        base: u64,
        min: u64,
        max: u64,
        path: &mut Path,
        tr: &mut R,
    ) -> Option<u64> {
        // Where to resume at each level when a deeper subtree backtracks.
        let mut up: [(Option<&Node<T>>, u64, u64); DEPTH] = [(None, 0, 0); DEPTH];
        let (mut node, mut shift, mut base, mut level) = (self, shift, base, 0usize);
        let mut marks = node.free & slot_window(base, shift, min, max);
        let mut last = slot_of(min.max(base), shift);
        loop {
            if marks == 0 {
                tr.visit(|| XaVisit {
                    level: level as u8,
                    base: base as u32,
                    shift: shift as u8,
                    free_marks: node.free,
                    slot: last as u8,
                    backtracked: true,
                });
                level = level.checked_sub(1)?;
                let (n, m, b) = up[level % DEPTH];
                (node, marks, base) = (n?, m, b);
                shift += BITS;
                last = usize::from(path.slot[level % DEPTH]);
                continue;
            }
            let i = marks.trailing_zeros() as usize & 63;
            marks &= marks - 1;
            path.record(level, i, node);
            tr.visit(|| XaVisit {
                level: level as u8,
                base: base as u32,
                shift: shift as u8,
                free_marks: node.free,
                slot: i as u8,
                backtracked: false,
            });
            let child_base = base + ((i as u64) << shift);
            match &node.kind {
                Kind::Leaf(_) => {
                    path.depth = level;
                    return Some(child_base);
                }
                Kind::Inner(slots) => match &slots[i] {
                    None => {
                        path.depth = level;
                        return Some(min.max(child_base));
                    }
                    Some(child) => {
                        if level + 1 >= DEPTH {
                            return None;
                        }
                        up[level] = (Some(node), marks, base);
                        level += 1;
                        node = child;
                        shift = shift.saturating_sub(BITS);
                        base = child_base;
                        marks = node.free & slot_window(base, shift, min, max);
                        last = slot_of(min.max(base), shift);
                    }
                },
            }
        }
    }

    /// Entries in `[lo, hi]` below this node (covering `[base, base + span(shift))`).
    fn count_in(&self, shift: u32, base: u64, lo: u64, hi: u64) -> u64 {
        if lo <= base && hi >= base + span(shift) - 1 {
            return self.count;
        }
        let mut present = self.used & slot_window(base, shift, lo, hi);
        match &self.kind {
            Kind::Leaf(_) => u64::from(present.count_ones()),
            Kind::Inner(slots) => {
                let mut n = 0;
                let cshift = shift.saturating_sub(BITS);
                while present != 0 {
                    let i = present.trailing_zeros() as usize & 63;
                    present &= present - 1;
                    if let Some(child) = &slots[i] {
                        n += child.count_in(cshift, base + ((i as u64) << shift), lo, hi);
                    }
                }
                n
            }
        }
    }

    /// Nodes in this subtree, for memory accounting.
    fn nodes(&self) -> usize {
        match &self.kind {
            Kind::Leaf(_) => 1,
            Kind::Inner(slots) => 1 + slots.iter().flatten().map(|c| c.nodes()).sum::<usize>(),
        }
    }
}

/// Unique access to a node, copying it first if it is shared with a clone
/// (`Rc::make_mut` with the copy kept out of line so the common, unshared case is a
/// reference-count check inlined into the caller's loop). Always `Some`.
#[inline(always)]
fn node_mut<T: Clone>(rc: &mut Rc<Node<T>>) -> Option<&mut Node<T>> {
    if Rc::get_mut(rc).is_none() {
        unshare(rc);
    }
    Rc::get_mut(rc)
}

#[cold]
#[inline(never)]
fn unshare<T: Clone>(rc: &mut Rc<Node<T>>) {
    Rc::make_mut(rc);
}

impl<T: Clone> Node<T> {
    /// Stores `value` at the free `key` that the descent `path` (from this node)
    /// reached, top-down: each node on the path gains one entry, and its free bit
    /// for the slot taken is cleared when the node below becomes full.
    #[inline]
    fn insert_along(&mut self, shift: u32, key: u64, path: &Path, value: T) {
        let d = path.depth % DEPTH;
        let mut shift = shift;
        // full_below[l]: the subtree under level l's slot is full after the store.
        // At the last level that is a leaf slot (full) or a fresh single-entry
        // subtree (never full).
        let mut full_below = [false; DEPTH];
        let mut full = BITS * d as u32 == shift;
        for l in (0..=d).rev() {
            full_below[l] = full;
            full = full && (path.free[l] & !(1u64 << (path.slot[l] & 63))) == 0;
        }
        let mut node = self;
        for &full in &full_below[..=d] {
            let i = slot_of(key, shift);
            let bit = 1u64 << i;
            node.count += 1;
            node.used |= bit;
            if full {
                node.free &= !bit;
            }
            match &mut node.kind {
                Kind::Leaf(vals) => {
                    vals[i] = Some(value);
                    return;
                }
                Kind::Inner(slots) => {
                    shift = shift.saturating_sub(BITS);
                    match &mut slots[i] {
                        Some(child) => match node_mut(child) {
                            Some(n) => node = n,
                            None => return,
                        },
                        slot @ None => {
                            *slot = Some(Rc::new(Node::singleton(shift, key, value)));
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Stores `value` at the lowest free key in `[min, max]` below this node (which
    /// covers `[base, base + span(shift))` and intersects the range) in a single
    /// recursive descent, updating counts and marks on the way back up. Gives the
    /// value back when the subtree has no free key in range; nothing is modified
    /// (or copied) then. A shared child is searched read-only first and copied
    /// only along the path found.
    #[inline(always)]
    fn alloc<L: Level>(&mut self, base: u64, min: u64, max: u64, value: T) -> Result<u64, T> {
        let shift = L::SHIFT;
        let mut marks = self.free & slot_window(base, shift, min, max);
        let mut value = value;
        while marks != 0 {
            let i = marks.trailing_zeros() as usize & 63;
            let bit = 1u64 << i;
            let child_base = base + ((i as u64) << shift);
            let cshift = shift.saturating_sub(BITS);
            let (res, child_full) = match &mut self.kind {
                Kind::Leaf(vals) => {
                    vals[i] = Some(value);
                    (Ok(child_base), true)
                }
                Kind::Inner(slots) => match &mut slots[i] {
                    slot @ None => {
                        let key = min.max(child_base);
                        *slot = Some(Rc::new(Node::singleton(cshift, key, value)));
                        (Ok(key), false)
                    }
                    Some(rc) => {
                        if let Some(child) = Rc::get_mut(rc) {
                            let r = child.alloc::<L::Down>(child_base, min, max, value);
                            (r, child.free == 0)
                        } else {
                            Node::alloc_shared(rc, cshift, child_base, min, max, value)
                        }
                    }
                },
            };
            match res {
                Ok(key) => {
                    if child_full {
                        self.free &= !bit;
                    }
                    self.used |= bit;
                    self.count += 1;
                    return Ok(key);
                }
                Err(v) => value = v,
            }
            marks &= marks - 1;
        }
        Err(value)
    }

    /// [`Self::alloc`] into a shared child: read-only search, then copy the path.
    #[cold]
    #[inline(never)]
    fn alloc_shared(
        rc: &mut Rc<Node<T>>,
        shift: u32,
        base: u64,
        min: u64,
        max: u64,
        value: T,
    ) -> (Result<u64, T>, bool) {
        let mut path = Path::new();
        match rc.descend(shift, base, min, max, &mut path, &mut NoTrace) {
            None => (Err(value), false),
            Some(key) => match node_mut(rc) {
                Some(child) => {
                    child.insert_along(shift, key, &path, value);
                    (Ok(key), child.free == 0)
                }
                None => (Err(value), false),
            },
        }
    }

    /// Removes `key` below this node (a node of level `L`) in one recursive descent,
    /// freeing children left empty on the way back up. A shared child is probed
    /// read-only first so that removing an absent key copies nothing.
    #[inline(always)]
    fn remove_at<L: Level>(&mut self, key: u64) -> Option<T> {
        let i = slot_of(key, L::SHIFT);
        let bit = 1u64 << i;
        let v = match &mut self.kind {
            Kind::Leaf(vals) => {
                let v = vals[i].take()?;
                self.used &= !bit;
                v
            }
            Kind::Inner(slots) => {
                let slot = &mut slots[i];
                let rc = slot.as_mut()?;
                if Rc::get_mut(rc).is_none() && rc.lookup(L::Down::SHIFT, key).is_none() {
                    return None;
                }
                let child = node_mut(rc)?;
                let v = child.remove_at::<L::Down>(key)?;
                if child.count == 0 {
                    *slot = None;
                    self.used &= !bit;
                }
                v
            }
        };
        self.free |= bit;
        self.count -= 1;
        Some(v)
    }
}

/// A tree level as a type, so that the allocation descent is monomorphised per
/// level: constant shifts, and the whole descent inlined into one loop-free body.
trait Level {
    /// Key bits below this level's slots.
    const SHIFT: u32;
    /// The level below (a leaf level points at itself; it is never descended).
    type Down: Level;
}

macro_rules! levels {
    ($($name:ident = $shift:expr, $down:ident;)*) => {
        $(
            struct $name;
            impl Level for $name {
                const SHIFT: u32 = $shift;
                type Down = $down;
            }
        )*
    };
}

levels! {
    L0 = 0, L0;
    L1 = 6, L0;
    L2 = 12, L1;
    L3 = 18, L2;
    L4 = 24, L3;
    L5 = 30, L4;
}

/// Deepest possible descent (levels), also the size of [`Path`]'s arrays.
const DEPTH: usize = MAX_HEIGHT as usize;

/// What a read-only descent saw on its way to a key, root first, so that the
/// mutating pass can go top-down without recursion: the slot taken at each level and
/// that node's free word (before the mutation).
struct Path {
    /// Index of the last level visited.
    depth: usize,
    slot: [u8; DEPTH],
    free: [u64; DEPTH],
}

impl Path {
    #[inline(always)]
    fn new() -> Self {
        Path {
            depth: 0,
            slot: [0; DEPTH],
            free: [0; DEPTH],
        }
    }

    #[inline(always)]
    fn record<T>(&mut self, level: usize, slot: usize, node: &Node<T>) {
        let l = level % DEPTH;
        self.slot[l] = slot as u8;
        self.free[l] = node.free;
    }
}

impl<T> Default for XArray<T> {
    fn default() -> Self {
        XArray {
            root: None,
            height: 0,
        }
    }
}

impl<T> Clone for XArray<T> {
    /// O(1): shares every node; later mutations of either copy path-copy.
    fn clone(&self) -> Self {
        XArray {
            root: self.root.clone(),
            height: self.height,
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for XArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<T> XArray<T> {
    /// Creates an empty array.
    ///
    /// Cost: O(1); allocates nothing until the first store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of keys currently stored.
    ///
    /// Cost: O(1) (read from the root's count).
    pub fn len(&self) -> usize {
        self.root
            .as_ref()
            .map_or(0, |r| usize::try_from(r.count).unwrap_or(usize::MAX))
    }

    /// True when no key is stored.
    ///
    /// Cost: O(1).
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    /// Height of the tree: 0 when empty, else the number of levels (1 to 6).
    /// A tree of height `h` covers the keys `[0, 64^h)`.
    ///
    /// Cost: O(1).
    pub fn height(&self) -> u8 {
        self.height
    }

    /// Shift of the root's slots.
    #[inline(always)]
    fn root_shift(&self) -> u32 {
        BITS * u32::from(self.height.saturating_sub(1))
    }

    /// Keys `[0, cover)` are inside the tree; 0 when empty.
    #[inline(always)]
    fn cover(&self) -> u64 {
        if self.height == 0 {
            0
        } else {
            1u64 << (BITS * u32::from(self.height.min(MAX_HEIGHT)))
        }
    }

    /// Looks up the entry stored at `key`.
    ///
    /// Cost: O(height), no allocation.
    ///
    /// Return: the entry, or `None` if `key` is free.
    #[inline]
    pub fn get(&self, key: u32) -> Option<&T> {
        let key = u64::from(key);
        if key >= self.cover() {
            return None;
        }
        self.root.as_deref()?.lookup(self.root_shift(), key)
    }

    /// Tests whether `key` holds an entry.
    ///
    /// Cost: O(height), no allocation.
    #[inline]
    pub fn contains(&self, key: u32) -> bool {
        self.get(key).is_some()
    }

    /// Finds the lowest free key in `[min, max]` (both inclusive), without storing.
    ///
    /// Walks the free marks from the root: at each node it masks the mark word to
    /// the slots that intersect the range and descends into the lowest set bit. Only
    /// the subtrees at the range's two ends can lack a free key inside the range, so
    /// the search backtracks at most a bounded number of times per level: O(height)
    /// nodes visited. Keys beyond the tree's cover count as free.
    ///
    /// Context: if `path` is given, one [`XaVisit`] is pushed per node examined, in
    /// order (the only allocation this makes).
    ///
    /// Return: the key, or `None` if `min > max` or every key in the range is taken.
    pub fn find_free(&self, min: u32, max: u32, path: Option<&mut Vec<XaVisit>>) -> Option<u32> {
        match path {
            None => self.find_impl(min, max, &mut NoTrace),
            Some(p) => self.find_impl(min, max, p),
        }
    }

    #[inline]
    fn find_impl<R: Trace>(&self, min: u32, max: u32, tr: &mut R) -> Option<u32> {
        let mut path = Path::new();
        let (key, _) = self.search(u64::from(min), u64::from(max), &mut path, tr)?;
        u32::try_from(key).ok()
    }

    /// The lowest free key in `[min, max]`, and whether it lies inside the tree
    /// (then `path` holds the descent that reached it: the last level is a leaf or
    /// an inner node whose slot is empty) or beyond the tree's cover.
    #[inline]
    fn search<R: Trace>(
        &self,
        min: u64,
        max: u64,
        path: &mut Path,
        tr: &mut R,
    ) -> Option<(u64, bool)> {
        if min > max {
            return None;
        }
        let cover = self.cover();
        if let Some(root) = self.root.as_deref() {
            if min < cover {
                if let Some(k) = root.descend(self.root_shift(), 0, min, max, path, tr) {
                    return Some((k, true));
                }
            }
        }
        if max >= cover {
            Some((min.max(cover), false))
        } else {
            None
        }
    }

    /// Iterates over all entries in ascending key order.
    ///
    /// Cost: O(1) to create, no allocation; each step is amortised O(1), skipping
    /// empty slots with the per-node occupancy words.
    pub fn iter(&self) -> Range<'_, T> {
        self.range(0, u32::MAX)
    }

    /// Iterates over the entries whose keys lie in `[lo, hi]` (both inclusive), in
    /// ascending order. Empty subtrees and slots outside the range are skipped.
    ///
    /// Cost: O(height) to reach the first entry, then amortised O(1) per entry;
    /// allocates nothing. Yields nothing if `lo > hi`.
    pub fn range(&self, lo: u32, hi: u32) -> Range<'_, T> {
        let mut it = Range {
            frames: [Frame::EMPTY; MAX_HEIGHT as usize],
            depth: 0,
            lo: u64::from(lo),
            hi: u64::from(hi),
        };
        if let Some(root) = &self.root {
            if lo <= hi && it.lo < self.cover() {
                it.push(root, 0, self.root_shift());
            }
        }
        it
    }

    /// Counts the entries whose keys lie in `[lo, hi]` (both inclusive), for an
    /// overview where one pixel stands for many IDs.
    ///
    /// Cost: uses the per-node counts: subtrees entirely inside the range are counted
    /// in O(1), so at most two partial nodes per level are opened: O(height * 64)
    /// at worst, no allocation.
    ///
    /// Return: the count, 0 if `lo > hi`.
    pub fn count_in(&self, lo: u32, hi: u32) -> usize {
        if lo > hi {
            return 0;
        }
        let (lo, hi) = (u64::from(lo), u64::from(hi));
        match &self.root {
            Some(root) if lo < self.cover() => {
                let n = root.count_in(self.root_shift(), 0, lo, hi);
                usize::try_from(n).unwrap_or(usize::MAX)
            }
            _ => 0,
        }
    }

    /// Number of tree nodes (leaves and inner nodes) reachable from this array,
    /// counting nodes shared with clones as well.
    ///
    /// Cost: O(nodes).
    pub fn node_count(&self) -> usize {
        self.root.as_ref().map_or(0, |r| r.nodes())
    }

    /// Approximate heap footprint of this array's nodes in bytes: `node_count()`
    /// times the size of one reference-counted node (nodes shared with clones are
    /// included; heap memory owned by the values themselves is not).
    ///
    /// Cost: O(nodes).
    pub fn heap_bytes(&self) -> usize {
        self.node_count()
            .saturating_mul(std::mem::size_of::<Node<T>>() + 2 * std::mem::size_of::<usize>())
    }
}

impl<T: Clone> XArray<T> {
    /// Looks up the entry stored at `key` for modification.
    ///
    /// Cost: O(height). If nodes on the path are shared with a clone they are copied
    /// first (O(height) node copies), so the clone never sees the change; nothing is
    /// copied when `key` is free. The free marks are unaffected.
    ///
    /// Return: the entry, or `None` if `key` is free.
    pub fn get_mut(&mut self, key: u32) -> Option<&mut T> {
        if !self.contains(key) {
            return None;
        }
        let key = u64::from(key);
        let mut shift = self.root_shift();
        let mut node = node_mut(self.root.as_mut()?)?;
        loop {
            let i = slot_of(key, shift);
            match &mut node.kind {
                Kind::Leaf(vals) => return vals[i].as_mut(),
                Kind::Inner(slots) => {
                    node = node_mut(slots[i].as_mut()?)?;
                    shift = shift.saturating_sub(BITS);
                }
            }
        }
    }

    /// Grows the tree until it covers `key`.
    fn grow_to(&mut self, key: u64) {
        let Some(mut root) = self.root.take() else {
            // Empty: the first store picks the smallest height that covers the key.
            let bits = 64 - key.leading_zeros();
            self.height = (bits.div_ceil(BITS).max(1) as u8).min(MAX_HEIGHT);
            return;
        };
        while key >= self.cover() && self.height < MAX_HEIGHT {
            let old_free = root.free != 0;
            let count = root.count;
            let mut top = Node::empty(BITS * u32::from(self.height));
            if let Kind::Inner(slots) = &mut top.kind {
                slots[0] = Some(root);
            }
            if !old_free {
                top.free &= !1;
            }
            top.used = 1;
            top.count = count;
            root = Rc::new(top);
            self.height += 1;
        }
        self.root = Some(root);
    }

    /// Frees the root when empty and drops top levels whose only child is slot 0.
    fn shrink(&mut self) {
        while let Some(root) = &mut self.root {
            if root.count == 0 {
                self.root = None;
                self.height = 0;
                return;
            }
            if self.height <= 1 || root.used != 1 {
                return;
            }
            let child = match Rc::get_mut(root) {
                Some(r) => match &mut r.kind {
                    Kind::Inner(slots) => slots[0].take(),
                    Kind::Leaf(_) => None,
                },
                None => match &root.kind {
                    Kind::Inner(slots) => slots[0].clone(),
                    Kind::Leaf(_) => None,
                },
            };
            match child {
                Some(c) => {
                    self.root = Some(c);
                    self.height -= 1;
                }
                None => return,
            }
        }
    }

    /// Stores `value` at exactly `key`, growing the tree if `key` is beyond its cover.
    ///
    /// Cost: O(height): a read-only descent, then one top-down pass that updates
    /// the marks and counts; allocates one node per level missing on the path (and
    /// copies the shared nodes on the path, if the array was cloned).
    ///
    /// Return: `Ok(())` on success; `Err(value)`, handing the value back untouched,
    /// when `key` is already occupied (nothing is modified or copied then).
    pub fn insert(&mut self, key: u32, value: T) -> Result<(), T> {
        let key = u64::from(key);
        if key >= self.cover() {
            self.grow_to(key);
        }
        let shift = self.root_shift();
        let Some(root) = self.root.as_deref() else {
            self.root = Some(Rc::new(Node::singleton(shift, key, value)));
            return Ok(());
        };
        let mut path = Path::new();
        let (mut node, mut shift, mut level) = (root, shift, 0usize);
        loop {
            let i = slot_of(key, shift);
            path.record(level, i, node);
            match &node.kind {
                Kind::Leaf(vals) => {
                    if vals[i].is_some() {
                        return Err(value);
                    }
                    break;
                }
                Kind::Inner(slots) => match &slots[i] {
                    None => break,
                    Some(child) if level + 1 < DEPTH => {
                        node = child;
                        shift = shift.saturating_sub(BITS);
                        level += 1;
                    }
                    Some(_) => return Err(value),
                },
            }
        }
        path.depth = level;
        self.apply_insert(key, &path, value);
        Ok(())
    }

    /// Stores `value` at the free `key` that the descent `path` reached.
    #[inline]
    fn apply_insert(&mut self, key: u64, path: &Path, value: T) {
        let shift = self.root_shift();
        if let Some(root) = self.root.as_mut().and_then(node_mut) {
            root.insert_along(shift, key, path, value);
        }
    }

    /// Removes and returns the entry at `key`, marking the key free again.
    ///
    /// Cost: O(height): a read-only descent, then one top-down pass. Nodes left
    /// empty are freed and the tree shrinks in height when its top node keeps only
    /// slot 0, so memory stays proportional to the entries. Shared nodes on the path
    /// are copied (O(height) copies) unless the key is absent.
    ///
    /// Return: the removed entry, or `None` if `key` was free.
    pub fn remove(&mut self, key: u32) -> Option<T> {
        let key = u64::from(key);
        if key >= self.cover() {
            return None;
        }
        let shift = self.root_shift();
        let rc = self.root.as_mut()?;
        if Rc::get_mut(rc).is_none() && rc.lookup(shift, key).is_none() {
            return None;
        }
        let root = node_mut(rc)?;
        let v = match shift / BITS {
            0 => root.remove_at::<L0>(key),
            1 => root.remove_at::<L1>(key),
            2 => root.remove_at::<L2>(key),
            3 => root.remove_at::<L3>(key),
            4 => root.remove_at::<L4>(key),
            _ => root.remove_at::<L5>(key),
        };
        if v.is_some() {
            self.shrink();
        }
        v
    }

    /// Stores `value` at the lowest free key in `[min, max]` (both inclusive), like
    /// `xa_alloc()`.
    ///
    /// Cost: O(height): the mark walk of [`Self::find_free`] followed by one top-down
    /// pass along the path it found (no recursion, no allocation unless a level is
    /// missing on the path or the path is shared with a clone, whose nodes on that
    /// path only are then copied).
    ///
    /// Context: if `path` is given the search is recorded as by [`Self::find_free`].
    ///
    /// Return: the key used, or `None` (dropping `value`) if `min > max` or the range
    /// is full; nothing is modified then.
    #[inline]
    pub fn alloc(
        &mut self,
        min: u32,
        max: u32,
        value: T,
        path: Option<&mut Vec<XaVisit>>,
    ) -> Option<u32> {
        match path {
            None => self.alloc_fast(min, max, value),
            Some(p) => self.alloc_impl(min, max, value, p),
        }
    }

    /// The common case: no trace wanted. Single recursive descent while the root is
    /// not shared.
    #[inline]
    fn alloc_fast(&mut self, min: u32, max: u32, value: T) -> Option<u32> {
        let (lo, hi) = (u64::from(min), u64::from(max));
        let cover = self.cover();
        let shift = self.root_shift();
        let mut value = value;
        if lo <= hi && lo < cover {
            if let Some(root) = self.root.as_mut().and_then(Rc::get_mut) {
                let r = match shift / BITS {
                    0 => root.alloc::<L0>(0, lo, hi, value),
                    1 => root.alloc::<L1>(0, lo, hi, value),
                    2 => root.alloc::<L2>(0, lo, hi, value),
                    3 => root.alloc::<L3>(0, lo, hi, value),
                    4 => root.alloc::<L4>(0, lo, hi, value),
                    _ => root.alloc::<L5>(0, lo, hi, value),
                };
                match r {
                    Ok(key) => return u32::try_from(key).ok(),
                    Err(v) => value = v,
                }
                if hi < cover {
                    return None;
                }
            }
        }
        self.alloc_impl(min, max, value, &mut NoTrace)
    }

    #[inline]
    fn alloc_impl<R: Trace>(&mut self, min: u32, max: u32, value: T, tr: &mut R) -> Option<u32> {
        let mut path = Path::new();
        let (key, inside) = self.search(u64::from(min), u64::from(max), &mut path, tr)?;
        let key32 = u32::try_from(key).ok()?;
        if inside {
            self.apply_insert(key, &path, value);
            Some(key32)
        } else {
            self.insert(key32, value).ok().map(|()| key32)
        }
    }
}

/// One level of an in-progress [`Range`] walk.
struct Frame<'a, T> {
    node: Option<&'a Node<T>>,
    base: u64,
    shift: u32,
    /// Slots still to visit (occupied and within the range).
    pending: u64,
}

impl<T> Clone for Frame<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Frame<'_, T> {}

impl<T> Frame<'_, T> {
    const EMPTY: Self = Frame {
        node: None,
        base: 0,
        shift: 0,
        pending: 0,
    };
}

/// Ascending iterator over the entries of an [`XArray`] within a key range,
/// returned by [`XArray::iter`] and [`XArray::range`].
pub struct Range<'a, T> {
    frames: [Frame<'a, T>; MAX_HEIGHT as usize],
    depth: usize,
    lo: u64,
    hi: u64,
}

impl<'a, T> Range<'a, T> {
    fn push(&mut self, node: &'a Node<T>, base: u64, shift: u32) {
        if let Some(f) = self.frames.get_mut(self.depth) {
            *f = Frame {
                node: Some(node),
                base,
                shift,
                pending: node.used & slot_window(base, shift, self.lo, self.hi),
            };
            self.depth += 1;
        }
    }
}

impl<'a, T> Iterator for Range<'a, T> {
    type Item = (u32, &'a T);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let top = self.depth.checked_sub(1)?;
            let f = self.frames.get_mut(top)?;
            if f.pending == 0 {
                self.depth = top;
                continue;
            }
            let i = f.pending.trailing_zeros() as usize & 63;
            f.pending &= f.pending - 1;
            let (base, shift) = (f.base + ((i as u64) << f.shift), f.shift);
            match &f.node?.kind {
                Kind::Leaf(vals) => {
                    if let Some(v) = &vals[i] {
                        return Some((base as u32, v));
                    }
                }
                Kind::Inner(slots) => {
                    if let Some(child) = &slots[i] {
                        self.push(child, base, shift.saturating_sub(BITS));
                    }
                }
            }
        }
    }
}

impl<T> std::iter::FusedIterator for Range<'_, T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Recomputes every node's summary words and checks the shape invariants.
    fn check<T: Clone + PartialEq + fmt::Debug>(xa: &XArray<T>) {
        fn walk<T>(n: &Node<T>, shift: u32, is_root: bool) -> u64 {
            let (mut free, mut used, mut count) = (0u64, 0u64, 0u64);
            match &n.kind {
                Kind::Leaf(vals) => {
                    assert_eq!(shift, 0, "leaf above the bottom level");
                    for (i, v) in vals.iter().enumerate() {
                        if v.is_some() {
                            used |= 1 << i;
                            count += 1;
                        } else {
                            free |= 1 << i;
                        }
                    }
                }
                Kind::Inner(slots) => {
                    assert!(shift > 0, "inner node at the bottom level");
                    for (i, c) in slots.iter().enumerate() {
                        match c {
                            None => free |= 1 << i,
                            Some(c) => {
                                used |= 1 << i;
                                let cc = walk(c, shift - BITS, false);
                                assert!(cc > 0, "empty node kept");
                                count += cc;
                                if c.free != 0 {
                                    free |= 1 << i;
                                }
                            }
                        }
                    }
                }
            }
            assert_eq!(n.free, free, "free marks");
            assert_eq!(n.used, used, "used marks");
            assert_eq!(n.count, count, "count");
            if !is_root {
                assert!(count > 0);
            }
            count
        }
        match &xa.root {
            None => assert_eq!(xa.height, 0),
            Some(r) => {
                assert!(xa.height >= 1 && xa.height <= MAX_HEIGHT);
                let c = walk(r, xa.root_shift(), true);
                assert!(c > 0, "empty root kept");
                assert_eq!(c as usize, xa.len());
                if xa.height > 1 {
                    assert_ne!(r.used, 1, "top level with only slot 0 not shrunk");
                }
            }
        }
    }

    /// The reference model's lowest free key in `[min, max]`.
    fn model_free<V>(m: &BTreeMap<u32, V>, min: u32, max: u32) -> Option<u32> {
        if min > max {
            return None;
        }
        let mut cand = min;
        for &k in m.range(min..=max).map(|(k, _)| k) {
            if k != cand {
                break;
            }
            if cand == max {
                return None;
            }
            cand += 1;
        }
        Some(cand)
    }

    fn model_insert(m: &mut BTreeMap<u32, u64>, k: u32, v: u64) -> Result<(), u64> {
        match m.entry(k) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(v);
                Ok(())
            }
            std::collections::btree_map::Entry::Occupied(_) => Err(v),
        }
    }

    fn same<V: Clone + PartialEq + fmt::Debug>(xa: &XArray<V>, m: &BTreeMap<u32, V>) {
        let a: Vec<(u32, V)> = xa.iter().map(|(k, v)| (k, v.clone())).collect();
        let b: Vec<(u32, V)> = m.iter().map(|(k, v)| (*k, v.clone())).collect();
        assert_eq!(a, b);
        assert_eq!(xa.len(), m.len());
    }

    #[test]
    fn empty() {
        let xa: XArray<u64> = XArray::new();
        assert!(xa.is_empty());
        assert_eq!(xa.len(), 0);
        assert_eq!(xa.height(), 0);
        assert_eq!(xa.get(0), None);
        assert_eq!(xa.get(u32::MAX), None);
        assert_eq!(xa.find_free(0, u32::MAX, None), Some(0));
        assert_eq!(xa.find_free(u32::MAX, u32::MAX, None), Some(u32::MAX));
        assert_eq!(xa.find_free(5, 4, None), None);
        assert_eq!(xa.count_in(0, u32::MAX), 0);
        assert_eq!(xa.iter().count(), 0);
        assert_eq!(format!("{xa:?}"), "{}");
    }

    #[test]
    fn min_eq_max_and_min_gt_max() {
        let mut xa = XArray::new();
        assert_eq!(xa.alloc(7, 7, 1u64, None), Some(7));
        assert_eq!(xa.alloc(7, 7, 2, None), None);
        assert_eq!(xa.find_free(7, 7, None), None);
        assert_eq!(xa.find_free(8, 8, None), Some(8));
        assert_eq!(xa.alloc(9, 8, 3, None), None);
        assert_eq!(xa.find_free(u32::MAX, 0, None), None);
        assert_eq!(xa.count_in(8, 7), 0);
        assert_eq!(xa.range(8, 7).count(), 0);
        assert_eq!(xa.len(), 1);
        check(&xa);
    }

    #[test]
    fn key_zero_and_u32_max() {
        let mut xa = XArray::new();
        assert_eq!(xa.insert(0, 10u64), Ok(()));
        assert_eq!(xa.height(), 1);
        assert_eq!(xa.insert(0, 11), Err(11));
        assert_eq!(xa.insert(u32::MAX, 12), Ok(()));
        assert_eq!(xa.height(), 6);
        check(&xa);
        assert_eq!(xa.get(0), Some(&10));
        assert_eq!(xa.get(u32::MAX), Some(&12));
        assert_eq!(xa.find_free(u32::MAX, u32::MAX, None), None);
        assert_eq!(
            xa.find_free(u32::MAX - 1, u32::MAX, None),
            Some(u32::MAX - 1)
        );
        assert_eq!(
            xa.alloc(u32::MAX - 1, u32::MAX, 13, None),
            Some(u32::MAX - 1)
        );
        assert_eq!(xa.alloc(u32::MAX - 1, u32::MAX, 14, None), None);
        assert_eq!(xa.count_in(0, u32::MAX), 3);
        assert_eq!(xa.count_in(1, u32::MAX - 2), 0);
        assert_eq!(
            xa.iter().collect::<Vec<_>>(),
            vec![(0, &10), (u32::MAX - 1, &13), (u32::MAX, &12)]
        );
        assert_eq!(xa.remove(u32::MAX), Some(12));
        assert_eq!(xa.remove(u32::MAX - 1), Some(13));
        assert_eq!(xa.height(), 1, "shrinks back");
        check(&xa);
        assert_eq!(xa.remove(0), Some(10));
        assert!(xa.is_empty());
        assert_eq!(xa.height(), 0);
        check(&xa);
    }

    #[test]
    fn level_boundaries() {
        for &k in &[
            63u32, 64, 4095, 4096, 262_143, 262_144, 16_777_215, 16_777_216,
        ] {
            let mut xa = XArray::new();
            assert_eq!(xa.insert(k, u64::from(k)), Ok(()));
            check(&xa);
            assert_eq!(xa.get(k), Some(&u64::from(k)));
            assert_eq!(xa.get(k - 1), None);
            assert_eq!(xa.get(k.wrapping_add(1)), None);
            assert_eq!(xa.find_free(k, k + 1, None), Some(k + 1));
            assert_eq!(xa.find_free(k - 1, k, None), Some(k - 1));
            assert_eq!(xa.alloc(k, u32::MAX, 1, None), Some(k + 1));
            assert_eq!(xa.alloc(k - 1, k + 1, 2, None), Some(k - 1));
            assert_eq!(xa.alloc(k - 1, k + 1, 3, None), None);
            assert_eq!(xa.count_in(k - 1, k + 1), 3);
            assert_eq!(xa.count_in(k, k), 1);
            assert_eq!(
                xa.range(k, u32::MAX).map(|(k, _)| k).collect::<Vec<_>>(),
                vec![k, k + 1]
            );
            check(&xa);
            for key in [k - 1, k, k + 1] {
                assert!(xa.remove(key).is_some());
                check(&xa);
            }
            assert!(xa.is_empty());
        }
    }

    #[test]
    fn full_ranges_and_backtracking() {
        let mut xa = XArray::new();
        // Fill [0, 4096] so whole leaves and one whole level-1 node are full.
        for i in 0..=4096u32 {
            assert_eq!(xa.alloc(0, u32::MAX, u64::from(i), None), Some(i));
        }
        check(&xa);
        assert_eq!(xa.find_free(0, 4096, None), None);
        assert_eq!(xa.find_free(0, 4097, None), Some(4097));
        assert_eq!(xa.find_free(100, u32::MAX, None), Some(4097));
        // A hole below `min` must not be returned: backtracking past it.
        xa.remove(10);
        xa.remove(5000);
        assert_eq!(xa.find_free(11, 4096, None), None);
        assert_eq!(xa.find_free(11, u32::MAX, None), Some(4097));
        assert_eq!(xa.find_free(0, u32::MAX, None), Some(10));
        let mut path = Vec::new();
        assert_eq!(xa.find_free(11, 5000, Some(&mut path)), Some(4097));
        assert!(path.iter().any(|v| v.backtracked), "{path:?}");
        assert_eq!(path.first().map(|v| v.level), Some(0));
        // Hole above `max` must not be returned either.
        xa.remove(4000);
        assert_eq!(xa.find_free(11, 3999, None), None);
        assert_eq!(xa.find_free(4001, 4096, None), None);
        assert_eq!(xa.alloc(11, 3999, 0, None), None);
        assert_eq!(xa.alloc(11, 4096, 0, None), Some(4000));
        check(&xa);
    }

    #[test]
    fn whole_top_range_full() {
        // Fill the last 4096 keys of the u32 space: the top-level node's last
        // subtree is then full up to u32::MAX.
        let mut xa = XArray::new();
        let start = u32::MAX - 4095;
        for i in 0..4096u32 {
            assert_eq!(xa.alloc(start, u32::MAX, 0u64, None), Some(start + i));
        }
        assert_eq!(xa.alloc(start, u32::MAX, 0, None), None);
        assert_eq!(xa.find_free(start - 1, u32::MAX, None), Some(start - 1));
        assert_eq!(xa.count_in(0, u32::MAX), 4096);
        check(&xa);
    }

    #[test]
    fn visit_path_shape() {
        let mut xa = XArray::new();
        for i in 0..70u32 {
            xa.insert(i, ()).unwrap();
        }
        let mut path = Vec::new();
        assert_eq!(xa.alloc(0, u32::MAX, (), Some(&mut path)), Some(70));
        assert_eq!(
            path,
            vec![
                XaVisit {
                    level: 0,
                    base: 0,
                    shift: 6,
                    free_marks: !1,
                    slot: 1,
                    backtracked: false
                },
                XaVisit {
                    level: 1,
                    base: 64,
                    shift: 0,
                    free_marks: !0x3f,
                    slot: 6,
                    backtracked: false
                },
            ]
        );
        let json = serde_json::to_string(&path[0]).unwrap();
        assert_eq!(serde_json::from_str::<XaVisit>(&json).unwrap(), path[0]);
    }

    #[test]
    fn clones_are_independent() {
        let mut a = XArray::new();
        for i in 0..5000u32 {
            a.insert(i * 3, u64::from(i)).unwrap();
        }
        let snap = a.clone();
        // Mutating the original does not affect the clone.
        a.remove(3);
        a.insert(1, 99).unwrap();
        *a.get_mut(6).unwrap() = 1234;
        assert_eq!(a.alloc(0, u32::MAX, 7, None), Some(2));
        assert_eq!(snap.get(3), Some(&1));
        assert_eq!(snap.get(1), None);
        assert_eq!(snap.get(6), Some(&2));
        assert_eq!(snap.len(), 5000);
        assert_eq!(snap.find_free(0, u32::MAX, None), Some(1));
        check(&a);
        check(&snap);
        // Mutating the clone does not affect the original.
        let mut b = a.clone();
        b.remove(6);
        b.insert(4, 5).unwrap();
        assert_eq!(a.get(6), Some(&1234));
        assert_eq!(a.get(4), None);
        // Failed operations on a shared tree copy nothing.
        let c = b.clone();
        let root_before = Rc::as_ptr(c.root.as_ref().unwrap());
        assert_eq!(b.insert(4, 0), Err(0));
        assert_eq!(b.remove(5), None);
        assert_eq!(b.get_mut(5), None);
        assert_eq!(b.alloc(0, 2, 0, None), None);
        assert_eq!(Rc::as_ptr(b.root.as_ref().unwrap()), root_before);
        // A mutation after a clone copies only the path.
        let mut d = a.clone();
        d.remove(0);
        let shared = |x: &XArray<u64>, y: &XArray<u64>| {
            let (Some(rx), Some(ry)) = (&x.root, &y.root) else {
                return 0;
            };
            match (&rx.kind, &ry.kind) {
                (Kind::Inner(sx), Kind::Inner(sy)) => sx
                    .iter()
                    .zip(sy.iter())
                    .filter(|(p, q)| matches!((p, q), (Some(p), Some(q)) if Rc::ptr_eq(p, q)))
                    .count(),
                _ => 0,
            }
        };
        assert!(shared(&a, &d) >= 3, "siblings of the path stay shared");
        check(&d);
        check(&a);
    }

    #[test]
    fn shrink_frees_nodes() {
        let mut xa = XArray::new();
        for i in 0..100_000u32 {
            xa.insert(i, i).unwrap();
        }
        let full = xa.node_count();
        for i in 0..99_990u32 {
            xa.remove(i).unwrap();
        }
        check(&xa);
        assert!(
            xa.node_count() <= 6,
            "{} of {full} nodes left",
            xa.node_count()
        );
        for i in 99_990..100_000u32 {
            xa.remove(i).unwrap();
        }
        assert_eq!(xa.node_count(), 0);
        assert_eq!(xa.height(), 0);
    }

    #[test]
    fn memory_of_2_20_entries() {
        let mut xa: XArray<u64> = XArray::new();
        for i in 0..(1u32 << 20) {
            assert_eq!(xa.alloc(0, u32::MAX, u64::from(i), None), Some(i));
        }
        let bytes = xa.heap_bytes();
        println!(
            "2^20 u64 entries: {} nodes of {} bytes = {:.1} MiB (height {})",
            xa.node_count(),
            std::mem::size_of::<Node<u64>>() + 2 * std::mem::size_of::<usize>(),
            bytes as f64 / (1024.0 * 1024.0),
            xa.height()
        );
        assert!(bytes < 40 << 20);
        assert_eq!(xa.count_in(0, u32::MAX), 1 << 20);
        assert_eq!(xa.count_in(1000, 1999), 1000);
        assert_eq!(xa.find_free(0, u32::MAX, None), Some(1 << 20));
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u32),
        Remove(u32),
        Get(u32),
        Alloc(u32, u32),
        FindFree(u32, u32),
        CountIn(u32, u32),
        Range(u32, u32),
        Fill(u32, u16),
        Snapshot,
        MutateClone(u32),
    }

    fn key() -> impl Strategy<Value = u32> {
        prop_oneof![
            4 => 0u32..140,
            2 => 4030u32..4170,
            1 => 262_080u32..262_210,
            1 => (u32::MAX - 140)..=u32::MAX,
            1 => any::<u32>(),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => key().prop_map(Op::Insert),
            3 => key().prop_map(Op::Remove),
            1 => key().prop_map(Op::Get),
            4 => (key(), key()).prop_map(|(a, b)| Op::Alloc(a, b)),
            2 => (key(), key()).prop_map(|(a, b)| Op::FindFree(a, b)),
            1 => (key(), key()).prop_map(|(a, b)| Op::CountIn(a, b)),
            1 => (key(), key()).prop_map(|(a, b)| Op::Range(a, b)),
            1 => (key(), 1u16..300).prop_map(|(a, n)| Op::Fill(a, n)),
            1 => Just(Op::Snapshot),
            1 => key().prop_map(Op::MutateClone),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn matches_btreemap(ops in proptest::collection::vec(op(), 1..120)) {
            let mut xa: XArray<u64> = XArray::new();
            let mut m: BTreeMap<u32, u64> = BTreeMap::new();
            let mut snaps: Vec<(XArray<u64>, BTreeMap<u32, u64>)> = Vec::new();
            for (n, op) in ops.into_iter().enumerate() {
                let v = n as u64;
                match op {
                    Op::Insert(k) => {
                        let want = model_insert(&mut m, k, v);
                        prop_assert_eq!(xa.insert(k, v), want);
                    }
                    Op::Remove(k) => prop_assert_eq!(xa.remove(k), m.remove(&k)),
                    Op::Get(k) => {
                        prop_assert_eq!(xa.get(k), m.get(&k));
                        prop_assert_eq!(xa.contains(k), m.contains_key(&k));
                        if let Some(x) = xa.get_mut(k) { *x += 1; }
                        if let Some(x) = m.get_mut(&k) { *x += 1; }
                    }
                    Op::Alloc(a, b) => {
                        let want = model_free(&m, a, b);
                        let mut path = Vec::new();
                        let got = if n % 2 == 0 {
                            xa.alloc(a, b, v, None)
                        } else {
                            xa.alloc(a, b, v, Some(&mut path))
                        };
                        prop_assert_eq!(got, want);
                        if let Some(k) = want { m.insert(k, v); }
                    }
                    Op::FindFree(a, b) => {
                        let mut path = Vec::new();
                        prop_assert_eq!(xa.find_free(a, b, Some(&mut path)), model_free(&m, a, b));
                        prop_assert!(path.len() <= 4 * 6 + 2, "{:?}", path);
                    }
                    Op::CountIn(a, b) => {
                        let want = if a <= b { m.range(a..=b).count() } else { 0 };
                        prop_assert_eq!(xa.count_in(a, b), want);
                    }
                    Op::Range(a, b) => {
                        let got: Vec<(u32, u64)> = xa.range(a, b).map(|(k, v)| (k, *v)).collect();
                        let want: Vec<(u32, u64)> = if a <= b {
                            m.range(a..=b).map(|(k, v)| (*k, *v)).collect()
                        } else {
                            Vec::new()
                        };
                        prop_assert_eq!(got, want);
                    }
                    Op::Fill(a, len) => {
                        for k in (a..=a.saturating_add(u32::from(len))).take(usize::from(len)) {
                            let want = model_insert(&mut m, k, v);
                            prop_assert_eq!(xa.insert(k, v), want);
                        }
                    }
                    Op::Snapshot => snaps.push((xa.clone(), m.clone())),
                    Op::MutateClone(k) => {
                        let mut c = xa.clone();
                        let mut cm = m.clone();
                        if cm.remove(&k).is_some() {
                            prop_assert!(c.remove(k).is_some());
                        } else {
                            prop_assert_eq!(c.insert(k, v), Ok(()));
                            cm.insert(k, v);
                        }
                        prop_assert_eq!(c.alloc(k, u32::MAX, v, None), model_free(&cm, k, u32::MAX));
                        check(&c);
                        check(&xa);
                        same(&xa, &m);
                    }
                }
                prop_assert_eq!(xa.len(), m.len());
                prop_assert_eq!(xa.is_empty(), m.is_empty());
                prop_assert_eq!(xa.find_free(0, u32::MAX, None), model_free(&m, 0, u32::MAX));
                prop_assert_eq!(xa.count_in(0, u32::MAX), m.len());
                prop_assert_eq!(xa.count_in(0, 4095), m.range(0..=4095).count());
                check(&xa);
            }
            same(&xa, &m);
            for (s, sm) in &snaps {
                check(s);
                same(s, sm);
            }
        }
    }

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
    }

    /// Long deterministic run: 1,000,000 mixed operations in 512-key windows placed
    /// across level boundaries, against a `BTreeMap` (values) + `BTreeSet` (free keys)
    /// model.
    #[test]
    fn long_random_against_model() {
        const W: u64 = 512;
        const OPS: usize = 200_000;
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for offset in [
            0u64,
            4096 - 256,
            262_144 - 256,
            (1 << 24) - 256,
            (1 << 32) - W,
        ] {
            let mut xa: XArray<u64> = XArray::new();
            let mut m: BTreeMap<u32, u64> = BTreeMap::new();
            // Every free key in `[offset, top]`; `top` is free and so is every key above
            // it (allocations past the window push `top` up).
            let mut top = offset + W;
            let mut free: BTreeSet<u64> = (offset..=top).collect();
            let mut snaps = Vec::new();
            let lowest = |free: &BTreeSet<u64>, top: u64, min: u64, max: u64| -> Option<u32> {
                if min > max {
                    return None;
                }
                let k = if min < offset || min > top {
                    Some(min)
                } else {
                    free.range(min..=max).next().copied()
                };
                k.and_then(|k| u32::try_from(k).ok())
            };
            for step in 0..OPS {
                let r = rng.next();
                let k = offset + (r >> 8) % W;
                let key = k as u32;
                match r % 16 {
                    0..=3 => {
                        let want = if free.remove(&k) {
                            m.insert(key, r);
                            Ok(())
                        } else {
                            Err(r)
                        };
                        assert_eq!(xa.insert(key, r), want);
                    }
                    4..=8 => {
                        let got = xa.remove(key);
                        assert_eq!(got, m.remove(&key));
                        if got.is_some() {
                            free.insert(k);
                        }
                    }
                    9..=12 => {
                        let max = match (r >> 40) % 4 {
                            0 => u64::from(u32::MAX),
                            1 => k.saturating_sub(1),
                            _ => (k + (r >> 44) % 200).min(u64::from(u32::MAX)),
                        };
                        let want = lowest(&free, top, k, max);
                        assert_eq!(xa.alloc(key, max as u32, r, None), want, "step {step}");
                        if let Some(a) = want {
                            free.remove(&u64::from(a));
                            m.insert(a, r);
                            if u64::from(a) == top {
                                top += 1;
                                free.insert(top);
                            }
                        }
                    }
                    13 => {
                        let max = (k + (r >> 44) % 100).min(u64::from(u32::MAX));
                        assert_eq!(
                            xa.find_free(key, max as u32, None),
                            lowest(&free, top, k, max),
                            "step {step} min {k} max {max} h {}",
                            xa.height()
                        );
                    }
                    14 => assert_eq!(xa.get(key), m.get(&key)),
                    _ => {
                        let hi = (k + (r >> 44) % 300).min(u64::from(u32::MAX)) as u32;
                        assert_eq!(xa.count_in(key, hi), m.range(key..=hi).count());
                    }
                }
                assert_eq!(xa.len(), m.len());
                if step % 20_000 == 0 {
                    check(&xa);
                    same(&xa, &m);
                    snaps.push((xa.clone(), m.clone()));
                }
            }
            check(&xa);
            same(&xa, &m);
            for (s, sm) in &snaps {
                same(s, sm);
            }
        }
    }
}
