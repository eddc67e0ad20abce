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
//! The bottom level is made of *leaves*, which hold the entries themselves; every
//! level above is made of *inner nodes*, which hold pointers to the level below.
//! Each level is its own Rust type (`Leaf<T>`, `Inner<Leaf<T>>`,
//! `Inner<Inner<Leaf<T>>>`, ...), so the tree's height is decided once per
//! operation, at the root, and every descent below is compiled for its exact depth:
//! constant shifts, no test of "leaf or inner?" on the way down.
//!
//! Each node summarises its subtree:
//!
//! * free marks: bit `i` set when some key under slot `i` is free (the "has free
//!   slot below" mark that `find_free` walks with `trailing_zeros`);
//! * used marks: bit `i` set when slot `i` holds an entry (leaf) or a child
//!   (inner), so iteration and range counting skip empty subtrees;
//! * count: the number of entries stored under the node.
//!
//! An inner node stores all three. A leaf stores only its used word: its free
//! marks are the used word inverted and its count is the word's population count.
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
const FANOUT: usize = 1 << BITS;
/// Mask selecting a slot from a shifted key.
const SLOT_MASK: u64 = (FANOUT - 1) as u64;
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
    root: Root<T>,
}

/// The bottom level: 64 values and the word saying which are present.
///
/// The word alone says what is present: a free slot holds `T::default()`, never
/// read. So a value needs no `Option` tag (a leaf of `u64`s is 520 bytes, not
/// 1,032; a leaf of `()` is the word alone) and a presence test reads only the
/// word. `repr(C)` keeps the word first, next to the `Rc` counts, so that such a
/// test touches one cache line.
#[repr(C)]
#[derive(Clone)]
struct Leaf<T> {
    /// Bit `i` set when `vals[i]` holds an entry; the free marks are its inverse.
    used: u64,
    vals: [T; FANOUT],
}

/// An inner node over children of type `C` (a [`Leaf`] or another `Inner`).
///
/// `repr(C)` keeps the summary words first, on the same cache line as the `Rc`
/// counts, so a descent touches that line plus the line of the slot it follows.
#[repr(C)]
struct Inner<C> {
    free: u64,
    used: u64,
    count: u64,
    slots: [Option<Rc<C>>; FANOUT],
}

impl<C> Clone for Inner<C> {
    /// Copies the node itself; its children are shared (their counts go up).
    fn clone(&self) -> Self {
        Inner {
            free: self.free,
            used: self.used,
            count: self.count,
            slots: self.slots.clone(),
        }
    }
}

type I1<T> = Inner<Leaf<T>>;
type I2<T> = Inner<I1<T>>;
type I3<T> = Inner<I2<T>>;
type I4<T> = Inner<I3<T>>;
type I5<T> = Inner<I4<T>>;

/// The tree, by height: the variant fixes the type of every level below.
enum Root<T> {
    Empty,
    H1(Rc<Leaf<T>>),
    H2(Rc<I1<T>>),
    H3(Rc<I2<T>>),
    H4(Rc<I3<T>>),
    H5(Rc<I4<T>>),
    H6(Rc<I5<T>>),
}

/// Evaluates `$body` with `$r` bound to the root node (`&Rc<_>` or `&mut Rc<_>`,
/// following `$root`), whatever the height; `$empty` when there is no root.
macro_rules! each_root {
    ($root:expr, $r:ident => $body:expr, empty => $empty:expr) => {
        match $root {
            Root::H1($r) => $body,
            Root::H2($r) => $body,
            Root::H3($r) => $body,
            Root::H4($r) => $body,
            Root::H5($r) => $body,
            Root::H6($r) => $body,
            Root::Empty => $empty,
        }
    };
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

/// What every level offers to read the tree. Implemented by [`Leaf`] and, level by
/// level, by [`Inner`]; the recursion between levels is resolved at compile time.
trait Node: Sized {
    type Val;
    /// Key bits below this node's slots (0 for a leaf).
    const SHIFT: u32;
    /// Key bits this node covers: it spans `1 << SPAN_BITS` keys.
    const SPAN_BITS: u32 = Self::SHIFT + BITS;

    /// The "has free slot below" marks.
    fn free(&self) -> u64;
    /// The occupied-slot marks.
    fn used(&self) -> u64;
    /// Entries stored under this node.
    fn count(&self) -> u64;
    /// The entry at `key` (which this node covers).
    fn get(&self, key: u64) -> Option<&Self::Val>;
    /// Lowest free key in `[min, max]` under this node (which covers
    /// `[base, base + span)` and intersects the range), recording the nodes
    /// examined; `level` is this node's depth from the root.
    fn find<R: Trace>(&self, level: u8, base: u64, min: u64, max: u64, tr: &mut R) -> Option<u64>;
    /// Entries in `[lo, hi]` under this node (which intersects the range).
    fn count_in(&self, base: u64, lo: u64, hi: u64) -> u64;
    /// Nodes in this subtree.
    fn nodes(&self) -> usize;
    /// Bytes of the `Rc` allocations of this subtree's nodes.
    fn heap(&self) -> usize;
    /// Recomputes the summary words of this subtree, checks them against the stored
    /// ones, and returns the number of entries.
    #[cfg(test)]
    fn validate(&self) -> u64;
}

/// What every level offers to change the tree; mutations copy shared nodes first.
trait NodeMut: Node + Clone {
    /// A fresh node (and fresh nodes down to a leaf) holding only `key`.
    fn singleton(key: u64, value: Self::Val) -> Self;
    fn get_mut(&mut self, key: u64) -> Option<&mut Self::Val>;
    /// Stores `value` at `key` unless it is occupied (then nothing is modified).
    fn insert(&mut self, key: u64, value: Self::Val) -> Result<(), Self::Val>;
    /// Stores `value` at the lowest free key in `[min, max]` under this node (which
    /// covers `[base, base + span)` and intersects the range); gives the value back,
    /// with nothing modified or copied, when there is none.
    fn alloc(&mut self, base: u64, min: u64, max: u64, value: Self::Val) -> Result<u64, Self::Val>;
    /// [`Self::alloc`] for a node lying entirely inside the range: any free key will
    /// do, so the lowest set free mark is followed with no window and no
    /// backtracking. Gives the value back only if the node is full.
    fn alloc_all(&mut self, base: u64, value: Self::Val) -> Result<u64, Self::Val>;
    /// Removes the entry at `key`, if any.
    fn remove(&mut self, key: u64) -> Option<Self::Val>;
}

/// Bytes of one node's `Rc` allocation (the node and the two reference counts).
const fn rc_bytes<N>() -> usize {
    std::mem::size_of::<N>() + 2 * std::mem::size_of::<usize>()
}

impl<T> Node for Leaf<T> {
    type Val = T;
    const SHIFT: u32 = 0;

    #[inline(always)]
    fn free(&self) -> u64 {
        !self.used
    }

    #[inline(always)]
    fn used(&self) -> u64 {
        self.used
    }

    #[inline(always)]
    fn count(&self) -> u64 {
        u64::from(self.used.count_ones())
    }

    #[inline(always)]
    fn get(&self, key: u64) -> Option<&T> {
        let i = slot_of(key, 0);
        (self.used & (1 << i) != 0).then(|| &self.vals[i])
    }

    #[inline]
    fn find<R: Trace>(&self, level: u8, base: u64, min: u64, max: u64, tr: &mut R) -> Option<u64> {
        let marks = !self.used & slot_window(base, 0, min, max);
        let (slot, backtracked) = if marks == 0 {
            (slot_of(min.max(base), 0), true)
        } else {
            (marks.trailing_zeros() as usize, false)
        };
        tr.visit(|| XaVisit {
            level,
            base: base as u32,
            shift: 0,
            free_marks: !self.used,
            slot: slot as u8,
            backtracked,
        });
        (!backtracked).then_some(base + slot as u64)
    }

    fn count_in(&self, base: u64, lo: u64, hi: u64) -> u64 {
        u64::from((self.used & slot_window(base, 0, lo, hi)).count_ones())
    }

    fn nodes(&self) -> usize {
        1
    }

    fn heap(&self) -> usize {
        rc_bytes::<Self>()
    }

    #[cfg(test)]
    fn validate(&self) -> u64 {
        // The word is the only record of presence: nothing to cross-check.
        u64::from(self.used.count_ones())
    }
}

impl<T: Clone + Default> NodeMut for Leaf<T> {
    // Kept out of line: it builds a whole leaf, which would bloat the frames of the
    // hot descents.
    #[inline(never)]
    fn singleton(key: u64, value: T) -> Self {
        let i = slot_of(key, 0);
        let mut vals: [T; FANOUT] = std::array::from_fn(|_| T::default());
        vals[i] = value;
        Leaf { used: 1 << i, vals }
    }

    #[inline(always)]
    fn get_mut(&mut self, key: u64) -> Option<&mut T> {
        let i = slot_of(key, 0);
        (self.used & (1 << i) != 0).then(|| &mut self.vals[i])
    }

    #[inline(always)]
    fn insert(&mut self, key: u64, value: T) -> Result<(), T> {
        let i = slot_of(key, 0);
        if self.used & (1 << i) != 0 {
            return Err(value);
        }
        self.vals[i] = value;
        self.used |= 1 << i;
        Ok(())
    }

    #[inline(always)]
    fn alloc(&mut self, base: u64, min: u64, max: u64, value: T) -> Result<u64, T> {
        let marks = !self.used & slot_window(base, 0, min, max);
        if marks == 0 {
            return Err(value);
        }
        let i = marks.trailing_zeros() as usize & 63;
        self.vals[i] = value;
        self.used |= 1 << i;
        Ok(base + i as u64)
    }

    #[inline(always)]
    fn alloc_all(&mut self, base: u64, value: T) -> Result<u64, T> {
        let free = !self.used;
        if free == 0 {
            return Err(value);
        }
        let i = free.trailing_zeros() as usize & 63;
        self.vals[i] = value;
        self.used |= 1 << i;
        Ok(base + i as u64)
    }

    #[inline(always)]
    fn remove(&mut self, key: u64) -> Option<T> {
        let i = slot_of(key, 0);
        if self.used & (1 << i) == 0 {
            return None;
        }
        self.used &= !(1 << i);
        Some(std::mem::take(&mut self.vals[i]))
    }
}

impl<C: Node> Inner<C> {
    /// A new top node with `child` (the old root) in slot 0.
    fn over(child: Rc<C>) -> Self {
        let free = if child.free() != 0 { u64::MAX } else { !1 };
        let count = child.count();
        let mut slots = std::array::from_fn(|_| None);
        slots[0] = Some(child);
        Inner {
            free,
            used: 1,
            count,
            slots,
        }
    }
}

impl<C: Node> Node for Inner<C> {
    type Val = C::Val;
    const SHIFT: u32 = C::SHIFT + BITS;

    #[inline(always)]
    fn free(&self) -> u64 {
        self.free
    }

    #[inline(always)]
    fn used(&self) -> u64 {
        self.used
    }

    #[inline(always)]
    fn count(&self) -> u64 {
        self.count
    }

    #[inline(always)]
    fn get(&self, key: u64) -> Option<&C::Val> {
        self.slots[slot_of(key, Self::SHIFT)].as_deref()?.get(key)
    }

    #[inline]
    fn find<R: Trace>(&self, level: u8, base: u64, min: u64, max: u64, tr: &mut R) -> Option<u64> {
        let mut marks = self.free & slot_window(base, Self::SHIFT, min, max);
        let mut last = slot_of(min.max(base), Self::SHIFT);
        while marks != 0 {
            let i = marks.trailing_zeros() as usize & 63;
            marks &= marks - 1;
            last = i;
            tr.visit(|| XaVisit {
                level,
                base: base as u32,
                shift: Self::SHIFT as u8,
                free_marks: self.free,
                slot: i as u8,
                backtracked: false,
            });
            let child_base = base + ((i as u64) << Self::SHIFT);
            match &self.slots[i] {
                None => return Some(min.max(child_base)),
                Some(child) => {
                    if let Some(k) = child.find(level + 1, child_base, min, max, tr) {
                        return Some(k);
                    }
                }
            }
        }
        tr.visit(|| XaVisit {
            level,
            base: base as u32,
            shift: Self::SHIFT as u8,
            free_marks: self.free,
            slot: last as u8,
            backtracked: true,
        });
        None
    }

    fn count_in(&self, base: u64, lo: u64, hi: u64) -> u64 {
        if lo <= base && hi >= base + (1 << Self::SPAN_BITS) - 1 {
            return self.count;
        }
        let mut present = self.used & slot_window(base, Self::SHIFT, lo, hi);
        let mut n = 0;
        while present != 0 {
            let i = present.trailing_zeros() as usize & 63;
            present &= present - 1;
            if let Some(child) = &self.slots[i] {
                n += child.count_in(base + ((i as u64) << Self::SHIFT), lo, hi);
            }
        }
        n
    }

    fn nodes(&self) -> usize {
        1 + self
            .slots
            .iter()
            .flatten()
            .map(|c| c.nodes())
            .sum::<usize>()
    }

    fn heap(&self) -> usize {
        rc_bytes::<Self>() + self.slots.iter().flatten().map(|c| c.heap()).sum::<usize>()
    }

    #[cfg(test)]
    fn validate(&self) -> u64 {
        let (mut free, mut used, mut count) = (0u64, 0u64, 0u64);
        for (i, c) in self.slots.iter().enumerate() {
            match c {
                None => free |= 1 << i,
                Some(c) => {
                    used |= 1 << i;
                    let cc = c.validate();
                    assert!(cc > 0, "empty node kept");
                    count += cc;
                    if c.free() != 0 {
                        free |= 1 << i;
                    }
                }
            }
        }
        assert_eq!(self.free, free, "free marks");
        assert_eq!(self.used, used, "used marks");
        assert_eq!(self.count, count, "count");
        count
    }
}

/// Unique access to a node, copying it first if it is shared with a clone
/// (`Rc::make_mut` with the copy kept out of line so the common, unshared case is a
/// reference-count check inlined into the caller). Always `Some`.
#[inline(always)]
fn node_mut<N: Clone>(rc: &mut Rc<N>) -> Option<&mut N> {
    if Rc::get_mut(rc).is_none() {
        unshare(rc);
    }
    Rc::get_mut(rc)
}

#[cold]
#[inline(never)]
fn unshare<N: Clone>(rc: &mut Rc<N>) {
    Rc::make_mut(rc);
}

/// [`NodeMut::alloc`] into a shared node: a read-only search first, so that a
/// subtree without a free key in range is not copied, then a copy of the path.
#[cold]
#[inline(never)]
fn alloc_shared<N: NodeMut>(
    rc: &mut Rc<N>,
    base: u64,
    min: u64,
    max: u64,
    value: N::Val,
) -> Result<u64, N::Val> {
    let Some(key) = rc.find(0, base, min, max, &mut NoTrace) else {
        return Err(value);
    };
    match node_mut(rc) {
        Some(node) => node.insert(key, value).map(|()| key),
        None => Err(value),
    }
}

// The descents are inlined level into level natively (one function per height, with
// constant shifts), but kept one function per level in the browser build: inlined,
// the six heights times the levels below each made ~21 copies of every descent, 22 KB
// of the gzipped wasm, for no speed the UI could measure (importing a 2^20-step
// lesson took 3.4-3.5 s either way).
impl<C: NodeMut> NodeMut for Inner<C> {
    #[inline(never)]
    fn singleton(key: u64, value: C::Val) -> Self {
        let i = slot_of(key, Self::SHIFT);
        let mut slots = std::array::from_fn(|_| None);
        slots[i] = Some(Rc::new(C::singleton(key, value)));
        Inner {
            free: u64::MAX,
            used: 1 << i,
            count: 1,
            slots,
        }
    }

    #[inline(always)]
    fn get_mut(&mut self, key: u64) -> Option<&mut C::Val> {
        node_mut(self.slots[slot_of(key, Self::SHIFT)].as_mut()?)?.get_mut(key)
    }

    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn insert(&mut self, key: u64, value: C::Val) -> Result<(), C::Val> {
        let i = slot_of(key, Self::SHIFT);
        let bit = 1u64 << i;
        match &mut self.slots[i] {
            slot @ None => *slot = Some(Rc::new(C::singleton(key, value))),
            Some(rc) => {
                match Rc::get_mut(rc) {
                    Some(child) => child.insert(key, value)?,
                    None => {
                        // Probe first: a failed insert copies nothing.
                        if rc.get(key).is_some() {
                            return Err(value);
                        }
                        match node_mut(rc) {
                            Some(child) => child.insert(key, value)?,
                            None => return Err(value),
                        }
                    }
                }
                if rc.free() == 0 {
                    self.free &= !bit;
                }
            }
        }
        self.used |= bit;
        self.count += 1;
        Ok(())
    }

    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn alloc(&mut self, base: u64, min: u64, max: u64, value: C::Val) -> Result<u64, C::Val> {
        let mut marks = self.free & slot_window(base, Self::SHIFT, min, max);
        let mut value = value;
        while marks != 0 {
            let i = marks.trailing_zeros() as usize & 63;
            let bit = 1u64 << i;
            let child_base = base + ((i as u64) << Self::SHIFT);
            match &mut self.slots[i] {
                slot @ None => {
                    // An empty subtree: its first key in range is free.
                    let key = min.max(child_base);
                    *slot = Some(Rc::new(C::singleton(key, value)));
                    self.used |= bit;
                    self.count += 1;
                    return Ok(key);
                }
                Some(rc) => {
                    let inside = child_base >= min && child_base + ((1 << Self::SHIFT) - 1) <= max;
                    let r = match Rc::get_mut(rc) {
                        Some(child) if inside => child.alloc_all(child_base, value),
                        Some(child) => child.alloc(child_base, min, max, value),
                        None => alloc_shared(rc, child_base, min, max, value),
                    };
                    match r {
                        Ok(key) => {
                            if rc.free() == 0 {
                                self.free &= !bit;
                            }
                            self.count += 1;
                            return Ok(key);
                        }
                        Err(v) => value = v,
                    }
                }
            }
            marks &= marks - 1;
        }
        Err(value)
    }

    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn alloc_all(&mut self, base: u64, value: C::Val) -> Result<u64, C::Val> {
        if self.free == 0 {
            return Err(value);
        }
        let i = self.free.trailing_zeros() as usize & 63;
        let bit = 1u64 << i;
        let child_base = base + ((i as u64) << Self::SHIFT);
        let key = match &mut self.slots[i] {
            slot @ None => {
                *slot = Some(Rc::new(C::singleton(child_base, value)));
                self.used |= bit;
                child_base
            }
            Some(rc) => {
                let key = match Rc::get_mut(rc) {
                    Some(child) => child.alloc_all(child_base, value)?,
                    None => {
                        let last = child_base + ((1 << Self::SHIFT) - 1);
                        alloc_shared(rc, child_base, child_base, last, value)?
                    }
                };
                if rc.free() == 0 {
                    self.free &= !bit;
                }
                key
            }
        };
        self.count += 1;
        Ok(key)
    }

    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn remove(&mut self, key: u64) -> Option<C::Val> {
        let i = slot_of(key, Self::SHIFT);
        let bit = 1u64 << i;
        let slot = &mut self.slots[i];
        let rc = slot.as_mut()?;
        // A shared child is probed first: removing an absent key copies nothing.
        if Rc::get_mut(rc).is_none() && rc.get(key).is_none() {
            return None;
        }
        let child = node_mut(rc)?;
        let v = child.remove(key)?;
        if child.used() == 0 {
            *slot = None;
            self.used &= !bit;
        }
        self.free |= bit;
        self.count -= 1;
        Some(v)
    }
}

/// [`XArray::get`] below a root of type `N`.
#[inline(always)]
fn root_get<N: Node>(root: &N, key: u64) -> Option<&N::Val> {
    if key >> N::SPAN_BITS != 0 {
        return None;
    }
    root.get(key)
}

/// [`XArray::insert`] below a root of type `N` that covers `key`.
#[inline(always)]
fn root_insert<N: NodeMut>(rc: &mut Rc<N>, key: u64, value: N::Val) -> Result<(), N::Val> {
    match Rc::get_mut(rc) {
        Some(root) => root.insert(key, value),
        None => {
            if rc.get(key).is_some() {
                return Err(value);
            }
            match node_mut(rc) {
                Some(root) => root.insert(key, value),
                None => Err(value),
            }
        }
    }
}

/// [`XArray::remove`] below a root of type `N`; also says whether the root is left
/// with at most one occupied slot (and may need shrinking).
#[inline(always)]
fn root_remove<N: NodeMut>(rc: &mut Rc<N>, key: u64) -> Option<(N::Val, bool)> {
    if key >> N::SPAN_BITS != 0 {
        return None;
    }
    if Rc::get_mut(rc).is_none() && rc.get(key).is_none() {
        return None;
    }
    let root = node_mut(rc)?;
    let v = root.remove(key)?;
    Some((v, root.used() <= 1))
}

/// [`NodeMut::alloc`] from a root of type `N` (`min <= max`, `min` covered).
#[inline(always)]
fn root_alloc<N: NodeMut>(
    rc: &mut Rc<N>,
    min: u64,
    max: u64,
    value: N::Val,
) -> Result<u64, N::Val> {
    match Rc::get_mut(rc) {
        Some(root) => root.alloc(0, min, max, value),
        None => alloc_shared(rc, 0, min, max, value),
    }
}

/// What to do with an inner root after a removal.
enum Shrink<C> {
    Keep,
    Empty,
    Child(Rc<C>),
}

/// Whether an inner root has emptied, or holds only slot 0 and can be replaced by
/// that child (taken if the root is not shared, else shared).
fn shrink_step<C>(rc: &mut Rc<Inner<C>>) -> Shrink<C> {
    if rc.used == 0 {
        return Shrink::Empty;
    }
    if rc.used != 1 {
        return Shrink::Keep;
    }
    let child = match Rc::get_mut(rc) {
        Some(root) => root.slots[0].take(),
        None => rc.slots[0].clone(),
    };
    child.map_or(Shrink::Keep, Shrink::Child)
}

impl<T> Default for XArray<T> {
    fn default() -> Self {
        XArray { root: Root::Empty }
    }
}

impl<T> Clone for XArray<T> {
    /// O(1): shares every node; later mutations of either copy path-copy.
    fn clone(&self) -> Self {
        let root = match &self.root {
            Root::Empty => Root::Empty,
            Root::H1(r) => Root::H1(Rc::clone(r)),
            Root::H2(r) => Root::H2(Rc::clone(r)),
            Root::H3(r) => Root::H3(Rc::clone(r)),
            Root::H4(r) => Root::H4(Rc::clone(r)),
            Root::H5(r) => Root::H5(Rc::clone(r)),
            Root::H6(r) => Root::H6(Rc::clone(r)),
        };
        XArray { root }
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
        let n = each_root!(&self.root, r => r.count(), empty => 0);
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    /// True when no key is stored.
    ///
    /// Cost: O(1).
    pub fn is_empty(&self) -> bool {
        matches!(self.root, Root::Empty)
    }

    /// Height of the tree: 0 when empty, else the number of levels (1 to 6).
    /// A tree of height `h` covers the keys `[0, 64^h)`.
    ///
    /// Cost: O(1).
    pub fn height(&self) -> u8 {
        match self.root {
            Root::Empty => 0,
            Root::H1(_) => 1,
            Root::H2(_) => 2,
            Root::H3(_) => 3,
            Root::H4(_) => 4,
            Root::H5(_) => 5,
            Root::H6(_) => MAX_HEIGHT,
        }
    }

    /// Keys `[0, cover)` are inside the tree; 0 when empty.
    #[inline(always)]
    fn cover(&self) -> u64 {
        each_root!(&self.root, _r => 1u64 << (BITS * u32::from(self.height())), empty => 0)
    }

    /// Looks up the entry stored at `key`.
    ///
    /// Cost: O(height), no allocation.
    ///
    /// Return: the entry, or `None` if `key` is free.
    #[inline]
    pub fn get(&self, key: u32) -> Option<&T> {
        let key = u64::from(key);
        each_root!(&self.root, r => root_get(&**r, key), empty => None)
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
        let key = match path {
            None => self.search(u64::from(min), u64::from(max), &mut NoTrace),
            Some(p) => self.search(u64::from(min), u64::from(max), p),
        };
        u32::try_from(key?).ok()
    }

    /// The lowest free key in `[min, max]`, inside the tree or beyond its cover.
    #[inline]
    fn search<R: Trace>(&self, min: u64, max: u64, tr: &mut R) -> Option<u64> {
        if min > max {
            return None;
        }
        let cover = self.cover();
        if min < cover {
            let found = each_root!(&self.root, r => r.find(0, 0, min, max, tr), empty => None);
            if found.is_some() {
                return found;
            }
        }
        (max >= cover).then(|| min.max(cover))
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
        let (lo, hi) = (u64::from(lo), u64::from(hi));
        let mut it = Range {
            lo,
            hi,
            c0: Cursor::EMPTY,
            c1: Cursor::EMPTY,
            c2: Cursor::EMPTY,
            c3: Cursor::EMPTY,
            c4: Cursor::EMPTY,
            c5: Cursor::EMPTY,
        };
        if lo <= hi && lo < self.cover() {
            match &self.root {
                Root::Empty => {}
                Root::H1(r) => it.c0 = Cursor::open(r, 0, lo, hi),
                Root::H2(r) => it.c1 = Cursor::open(r, 0, lo, hi),
                Root::H3(r) => it.c2 = Cursor::open(r, 0, lo, hi),
                Root::H4(r) => it.c3 = Cursor::open(r, 0, lo, hi),
                Root::H5(r) => it.c4 = Cursor::open(r, 0, lo, hi),
                Root::H6(r) => it.c5 = Cursor::open(r, 0, lo, hi),
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
        if lo >= self.cover() {
            return 0;
        }
        let n = each_root!(&self.root, r => r.count_in(0, lo, hi), empty => 0);
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    /// Number of tree nodes (leaves and inner nodes) reachable from this array,
    /// counting nodes shared with clones as well.
    ///
    /// Cost: O(nodes).
    pub fn node_count(&self) -> usize {
        each_root!(&self.root, r => r.nodes(), empty => 0)
    }

    /// Approximate heap footprint of this array's nodes in bytes: the size of every
    /// node's reference-counted allocation, summed (nodes shared with clones are
    /// included; heap memory owned by the values themselves is not).
    ///
    /// Cost: O(nodes).
    pub fn heap_bytes(&self) -> usize {
        each_root!(&self.root, r => r.heap(), empty => 0)
    }
}

impl<T: Clone + Default> XArray<T> {
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
        each_root!(&mut self.root, r => node_mut(r)?.get_mut(key), empty => None)
    }

    /// A tree of the smallest height covering `key`, holding only `value` there.
    fn first(key: u64, value: T) -> Root<T> {
        match (64 - key.leading_zeros()).div_ceil(BITS) {
            0 | 1 => Root::H1(Rc::new(Leaf::singleton(key, value))),
            2 => Root::H2(Rc::new(Inner::singleton(key, value))),
            3 => Root::H3(Rc::new(Inner::singleton(key, value))),
            4 => Root::H4(Rc::new(Inner::singleton(key, value))),
            5 => Root::H5(Rc::new(Inner::singleton(key, value))),
            _ => Root::H6(Rc::new(Inner::singleton(key, value))),
        }
    }

    /// Adds one level at the top: the old root becomes slot 0 of a new root.
    fn grow(&mut self) {
        self.root = match std::mem::replace(&mut self.root, Root::Empty) {
            Root::H1(r) => Root::H2(Rc::new(Inner::over(r))),
            Root::H2(r) => Root::H3(Rc::new(Inner::over(r))),
            Root::H3(r) => Root::H4(Rc::new(Inner::over(r))),
            Root::H4(r) => Root::H5(Rc::new(Inner::over(r))),
            Root::H5(r) => Root::H6(Rc::new(Inner::over(r))),
            r @ (Root::H6(_) | Root::Empty) => r,
        };
    }

    /// Frees the root when empty and drops top levels whose only child is slot 0.
    fn shrink(&mut self) {
        loop {
            let next = match &mut self.root {
                Root::Empty => return,
                Root::H1(r) if r.used == 0 => Root::Empty,
                Root::H1(_) => return,
                Root::H2(r) => match shrink_step(r) {
                    Shrink::Keep => return,
                    Shrink::Empty => Root::Empty,
                    Shrink::Child(c) => Root::H1(c),
                },
                Root::H3(r) => match shrink_step(r) {
                    Shrink::Keep => return,
                    Shrink::Empty => Root::Empty,
                    Shrink::Child(c) => Root::H2(c),
                },
                Root::H4(r) => match shrink_step(r) {
                    Shrink::Keep => return,
                    Shrink::Empty => Root::Empty,
                    Shrink::Child(c) => Root::H3(c),
                },
                Root::H5(r) => match shrink_step(r) {
                    Shrink::Keep => return,
                    Shrink::Empty => Root::Empty,
                    Shrink::Child(c) => Root::H4(c),
                },
                Root::H6(r) => match shrink_step(r) {
                    Shrink::Keep => return,
                    Shrink::Empty => Root::Empty,
                    Shrink::Child(c) => Root::H5(c),
                },
            };
            self.root = next;
        }
    }

    /// Stores `value` at exactly `key`, growing the tree if `key` is beyond its cover.
    ///
    /// Cost: O(height): one descent that updates the marks and counts on its way
    /// back up; allocates one node per level missing on the path (and copies the
    /// shared nodes on the path, if the array was cloned).
    ///
    /// Return: `Ok(())` on success; `Err(value)`, handing the value back untouched,
    /// when `key` is already occupied (nothing is modified or copied then).
    pub fn insert(&mut self, key: u32, value: T) -> Result<(), T> {
        let key = u64::from(key);
        if self.is_empty() {
            self.root = Self::first(key, value);
            return Ok(());
        }
        while key >= self.cover() && self.height() < MAX_HEIGHT {
            self.grow();
        }
        each_root!(&mut self.root, r => root_insert(r, key, value), empty => Err(value))
    }

    /// Removes and returns the entry at `key`, marking the key free again.
    ///
    /// Cost: O(height): one descent, updating the marks and counts on its way back
    /// up. Nodes left empty are freed and the tree shrinks in height when its top
    /// node keeps only slot 0, so memory stays proportional to the entries. Shared
    /// nodes on the path are copied (O(height) copies) unless the key is absent.
    ///
    /// Return: the removed entry, or `None` if `key` was free.
    pub fn remove(&mut self, key: u32) -> Option<T> {
        let key = u64::from(key);
        let (v, sparse) = each_root!(&mut self.root, r => root_remove(r, key), empty => None)?;
        if sparse {
            self.shrink();
        }
        Some(v)
    }

    /// Stores `value` at the lowest free key in `[min, max]` (both inclusive), like
    /// `xa_alloc()`.
    ///
    /// Cost: O(height): one descent along the free marks (backtracking at most a
    /// bounded number of times per level, as in [`Self::find_free`]) that stores the
    /// value and updates counts and marks on its way back up. No allocation unless a
    /// level is missing on the path or the path is shared with a clone, whose nodes
    /// on that path only are then copied.
    ///
    /// Context: if `path` is given the search is recorded as by [`Self::find_free`]
    /// (a read-only search, then a store at the key found).
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
            None => self.alloc_fast(u64::from(min), u64::from(max), value),
            Some(p) => {
                let key = u32::try_from(self.search(u64::from(min), u64::from(max), p)?).ok()?;
                self.insert(key, value).ok().map(|()| key)
            }
        }
    }

    /// The common case: no trace wanted. One descent that finds and stores.
    #[inline]
    fn alloc_fast(&mut self, min: u64, max: u64, value: T) -> Option<u32> {
        if min > max {
            return None;
        }
        let cover = self.cover();
        let mut value = value;
        if min < cover {
            let r = each_root!(
                &mut self.root,
                r => root_alloc(r, min, max, value),
                empty => Err(value)
            );
            match r {
                Ok(key) => return u32::try_from(key).ok(),
                Err(v) => value = v,
            }
        }
        // Nothing free inside the tree: the lowest key beyond it, if in range.
        if max < cover {
            return None;
        }
        let key = u32::try_from(min.max(cover)).ok()?;
        self.insert(key, value).ok().map(|()| key)
    }
}

/// One level of an in-progress [`Range`] walk.
struct Cursor<'a, N> {
    node: Option<&'a N>,
    base: u64,
    /// Slots still to visit (occupied and within the range).
    pending: u64,
}

impl<'a, N: Node> Cursor<'a, N> {
    const EMPTY: Self = Cursor {
        node: None,
        base: 0,
        pending: 0,
    };

    fn open(node: &'a N, base: u64, lo: u64, hi: u64) -> Self {
        Cursor {
            node: Some(node),
            base,
            pending: node.used() & slot_window(base, N::SHIFT, lo, hi),
        }
    }
}

impl<'a, C: Node> Cursor<'a, Inner<C>> {
    /// Opens the next pending child into `child`; false when this node is done.
    fn step(&mut self, child: &mut Cursor<'a, C>, lo: u64, hi: u64) -> bool {
        let Some(node) = self.node else {
            return false;
        };
        while self.pending != 0 {
            let i = self.pending.trailing_zeros() as usize & 63;
            self.pending &= self.pending - 1;
            if let Some(c) = &node.slots[i] {
                *child = Cursor::open(c, self.base + ((i as u64) << Inner::<C>::SHIFT), lo, hi);
                return true;
            }
        }
        false
    }
}

/// Ascending iterator over the entries of an [`XArray`] within a key range,
/// returned by [`XArray::iter`] and [`XArray::range`].
pub struct Range<'a, T> {
    lo: u64,
    hi: u64,
    /// The leaf being walked, then the inner node above it, and so on up to the root.
    c0: Cursor<'a, Leaf<T>>,
    c1: Cursor<'a, I1<T>>,
    c2: Cursor<'a, I2<T>>,
    c3: Cursor<'a, I3<T>>,
    c4: Cursor<'a, I4<T>>,
    c5: Cursor<'a, I5<T>>,
}

impl<'a, T> Iterator for Range<'a, T> {
    type Item = (u32, &'a T);

    fn next(&mut self) -> Option<Self::Item> {
        let (lo, hi) = (self.lo, self.hi);
        loop {
            if let Some(leaf) = self.c0.node {
                while self.c0.pending != 0 {
                    let i = self.c0.pending.trailing_zeros() as usize & 63;
                    self.c0.pending &= self.c0.pending - 1;
                    if leaf.used & (1 << i) != 0 {
                        return Some(((self.c0.base + i as u64) as u32, &leaf.vals[i]));
                    }
                }
            }
            // The leaf is done: open the next one, climbing as far as needed.
            let more = self.c1.step(&mut self.c0, lo, hi)
                || self.c2.step(&mut self.c1, lo, hi)
                || self.c3.step(&mut self.c2, lo, hi)
                || self.c4.step(&mut self.c3, lo, hi)
                || self.c5.step(&mut self.c4, lo, hi);
            if !more {
                return None;
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
        match &xa.root {
            Root::Empty => assert_eq!(xa.height(), 0),
            root => {
                assert!(xa.height() >= 1 && xa.height() <= MAX_HEIGHT);
                let c = each_root!(root, r => r.validate(), empty => 0);
                assert!(c > 0, "empty root kept");
                assert_eq!(c as usize, xa.len());
                if xa.height() > 1 {
                    let used = each_root!(root, r => r.used(), empty => 0);
                    assert_ne!(used, 1, "top level with only slot 0 not shrunk");
                }
            }
        }
    }

    /// The root node's address, to tell whether a mutation copied it.
    fn root_ptr<T>(xa: &XArray<T>) -> *const () {
        each_root!(&xa.root, r => Rc::as_ptr(r).cast::<()>(), empty => std::ptr::null())
    }

    /// Children of the two roots (of equal height) that are the same node.
    fn shared_children<T>(x: &XArray<T>, y: &XArray<T>) -> usize {
        fn same<C>(x: &Inner<C>, y: &Inner<C>) -> usize {
            x.slots
                .iter()
                .zip(y.slots.iter())
                .filter(|(p, q)| matches!((p, q), (Some(p), Some(q)) if Rc::ptr_eq(p, q)))
                .count()
        }
        match (&x.root, &y.root) {
            (Root::H2(a), Root::H2(b)) => same(a, b),
            (Root::H3(a), Root::H3(b)) => same(a, b),
            (Root::H4(a), Root::H4(b)) => same(a, b),
            (Root::H5(a), Root::H5(b)) => same(a, b),
            (Root::H6(a), Root::H6(b)) => same(a, b),
            _ => 0,
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
        let root_before = root_ptr(&c);
        assert_eq!(b.insert(4, 0), Err(0));
        assert_eq!(b.remove(5), None);
        assert_eq!(b.get_mut(5), None);
        assert_eq!(b.alloc(0, 2, 0, None), None);
        assert_eq!(root_ptr(&b), root_before);
        // A mutation after a clone copies only the path.
        let mut d = a.clone();
        d.remove(0);
        let shared = |x: &XArray<u64>, y: &XArray<u64>| shared_children(x, y);
        assert!(shared(&a, &d) >= 3, "siblings of the path stay shared");
        check(&d);
        check(&a);
    }

    #[test]
    fn alloc_below_a_copied_root_copies_only_its_path() {
        // After one mutation the root is private again but its children are still
        // shared with the snapshot: allocations must copy them, never write through.
        let mut a: XArray<u64> = XArray::new();
        for i in 0..20_000u32 {
            a.insert(i, u64::from(i)).unwrap();
        }
        for k in (0..20_000u32).step_by(7) {
            a.remove(k);
        }
        let snap = a.clone();
        let mut m: BTreeMap<u32, u64> = snap.iter().map(|(k, v)| (k, *v)).collect();
        a.remove(19_998).unwrap();
        m.remove(&19_998);
        for n in 0..4_000u64 {
            let (lo, hi) = if n % 3 == 0 {
                (0, u32::MAX)
            } else {
                (4_096, 12_287)
            };
            let want = model_free(&m, lo, hi);
            assert_eq!(a.alloc(lo, hi, n, None), want);
            if let Some(k) = want {
                m.insert(k, n);
            }
        }
        same(&a, &m);
        check(&a);
        check(&snap);
        assert_eq!(snap.len(), 20_000 - 20_000usize.div_ceil(7));
        assert!(snap.iter().all(|(k, v)| k % 7 != 0 && u64::from(k) == *v));
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
            "2^20 u64 entries: {} nodes (leaves of {} bytes) = {:.1} MiB (height {})",
            xa.node_count(),
            rc_bytes::<Leaf<u64>>(),
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
