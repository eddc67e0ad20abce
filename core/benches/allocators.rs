//! Lowest-free ID allocation on a 2^20-ID space: our persistent radix tree
//! ([`XArray`]) against ID allocators from crates.io and a `BTreeSet` baseline.
//!
//! Workloads (each timed on its own; set-up and tear-down are untimed):
//! * `fill`      — allocate all 2^20 IDs into an empty allocator;
//! * `free_half` — free a fixed-seed random half of a full allocator;
//! * `refill`    — allocate the 2^19 IDs freed by `free_half` again;
//! * `churn`     — 2^19 random operations at ~50% occupancy: allocate, free a
//!   random live ID, or look up a random ID (one third each);
//! * `lookup`    — look up each of the 2^19 live IDs at 50% occupancy, in random order.
//!
//! Like for like: `xarray<()>` is our tree as a bare ID allocator, the job
//! `id-alloc` and `bitmap-allocator` do (no value per ID); `xarray<u64>` also keeps
//! a value per ID, as `slab` does. The flat bitmaps give up what the model needs:
//! `id-alloc` finds its next free ID by a linear scan (O(n): see its `churn`),
//! neither shares structure between snapshots, and none of them records a search
//! path; our alloc and free are O(log n) worst case and a clone is O(1).
//!
//! `floor` is the least work a lowest-free bitmap can do on fill, free and lookup (see
//! [`Floor`]): a reference for how close each contender comes to it, not a contender
//! the model could use.
//!
//! `slab` is not a lowest-free allocator (it hands out the most recently freed key
//! first); it is here as the speed reference for a plain vector-backed ID store.
//! `id-alloc`, `bitmap-allocator` and `btreeset` allocate their whole 2^20-ID space
//! up front (outside the timed region), while the radix tree and `slab` grow inside
//! `fill`.
//!
//! Every contender is measured with the C allocator in the same, warmed-up state
//! (see [`warm_malloc`]): otherwise glibc returns the memory of each dropped
//! allocator to the kernel only until its first large free raises its trim
//! threshold, so whichever contender ran first paid ~4,000 page faults per `fill`
//! iteration and the later ones none.
//!
//! Run: `cargo bench -p ioasid-core --bench allocators`.

use bitmap_allocator::{BitAlloc, BitAlloc1M};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use ioasid_core::xarray::XArray;
use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Size of the ID space.
const N: u32 = 1 << 20;
const HALF: usize = (N / 2) as usize;

/// The operations every contender offers.
trait Ids {
    const NAME: &'static str;
    /// An allocator with all of `0..N` free.
    fn empty() -> Self;
    /// Allocate an ID (the lowest free one, except for `slab`, which reuses the most
    /// recently freed).
    fn alloc(&mut self) -> Option<u32>;
    fn free(&mut self, id: u32);
    fn lookup(&self, id: u32) -> bool;
}

/// Our radix tree storing a `u64` per ID (like slab does).
struct Xa(XArray<u64>);
impl Ids for Xa {
    const NAME: &'static str = "xarray<u64>";
    fn empty() -> Self {
        Xa(XArray::new())
    }
    #[inline]
    fn alloc(&mut self) -> Option<u32> {
        self.0.alloc(0, N - 1, 7, None)
    }
    #[inline]
    fn free(&mut self, id: u32) {
        black_box(self.0.remove(id));
    }
    #[inline]
    fn lookup(&self, id: u32) -> bool {
        self.0.get(id).is_some()
    }
}

/// Our radix tree with no payload, as a pure ID bitmap like the bitmap crates.
struct XaUnit(XArray<()>);
impl Ids for XaUnit {
    const NAME: &'static str = "xarray<()>";
    fn empty() -> Self {
        XaUnit(XArray::new())
    }
    #[inline]
    fn alloc(&mut self) -> Option<u32> {
        self.0.alloc(0, N - 1, (), None)
    }
    #[inline]
    fn free(&mut self, id: u32) {
        black_box(self.0.remove(id));
    }
    #[inline]
    fn lookup(&self, id: u32) -> bool {
        self.0.contains(id)
    }
}

struct IdAllocator(id_alloc::IdAlloc);
impl Ids for IdAllocator {
    const NAME: &'static str = "id-alloc";
    fn empty() -> Self {
        IdAllocator(id_alloc::IdAlloc::with_capacity(N as usize))
    }
    #[inline]
    fn alloc(&mut self) -> Option<u32> {
        self.0.alloc().map(|i| i as u32)
    }
    #[inline]
    fn free(&mut self, id: u32) {
        self.0.free(id as usize);
    }
    #[inline]
    fn lookup(&self, id: u32) -> bool {
        self.0.is_allocated(id as usize)
    }
}

struct Bitmap(Box<BitAlloc1M>);
impl Ids for Bitmap {
    const NAME: &'static str = "bitmap-allocator";
    fn empty() -> Self {
        let mut b = Box::<BitAlloc1M>::default();
        b.insert(0..N as usize);
        Bitmap(b)
    }
    #[inline]
    fn alloc(&mut self) -> Option<u32> {
        self.0.alloc().map(|i| i as u32)
    }
    #[inline]
    fn free(&mut self, id: u32) {
        black_box(self.0.dealloc(id as usize));
    }
    #[inline]
    fn lookup(&self, id: u32) -> bool {
        !self.0.test(id as usize)
    }
}

struct Slab(slab::Slab<u64>);
impl Ids for Slab {
    const NAME: &'static str = "slab";
    fn empty() -> Self {
        Slab(slab::Slab::new())
    }
    #[inline]
    fn alloc(&mut self) -> Option<u32> {
        // Slab never holds more than N entries here, so its keys stay below N.
        Some(self.0.insert(7) as u32)
    }
    #[inline]
    fn free(&mut self, id: u32) {
        black_box(self.0.try_remove(id as usize));
    }
    #[inline]
    fn lookup(&self, id: u32) -> bool {
        self.0.get(id as usize).is_some()
    }
}

/// Not an allocator anyone could use here: the least work a lowest-free bitmap can
/// do, as the floor the others are measured against. One flat bit vector over the
/// whole space, no summary levels (alloc scans words from a hint: O(n) worst case),
/// no check that a freed ID was allocated, no value, no snapshot; the word under the
/// hint is also kept beside the vector, so a fill chains through a register instead of
/// through memory. What it shows: how much room a contender leaves on fill, free and
/// lookup (`id-alloc`'s lookup takes about a quarter longer than this floor's; its free
/// is a little faster, as it keeps only the hint, not the hint's word), for a structure that must also do more per call (serve a sparse
/// `u32` space, refuse a free of a free ID, share nodes between snapshots). Its churn
/// is no floor: with no summary levels, finding a hole is a scan.
struct Floor {
    words: Vec<u64>,
    /// The lowest word that may have a free bit, and its value.
    hint: usize,
    hint_word: u64,
}
impl Floor {
    #[inline(never)]
    fn alloc_slow(&mut self) -> Option<u32> {
        while let Some(&x) = self.words.get(self.hint) {
            if x != u64::MAX {
                self.hint_word = x;
                return self.alloc();
            }
            self.hint += 1;
        }
        None
    }
}
impl Ids for Floor {
    const NAME: &'static str = "floor";
    fn empty() -> Self {
        Floor {
            words: vec![0; (N / 64) as usize],
            hint: 0,
            hint_word: 0,
        }
    }
    #[inline]
    fn alloc(&mut self) -> Option<u32> {
        let x = self.hint_word;
        if x == u64::MAX {
            return self.alloc_slow();
        }
        // `x | (x + 1)` sets the lowest clear bit.
        let y = x | (x + 1);
        self.hint_word = y;
        *self.words.get_mut(self.hint)? = y;
        Some(((self.hint as u32) << 6) | (x ^ y).trailing_zeros())
    }
    #[inline]
    fn free(&mut self, id: u32) {
        let w = (id >> 6) as usize;
        if let Some(x) = self.words.get_mut(w) {
            *x &= !(1 << (id & 63));
            if w <= self.hint {
                self.hint = w;
                self.hint_word = *x;
            }
        }
    }
    #[inline]
    fn lookup(&self, id: u32) -> bool {
        self.words
            .get((id >> 6) as usize)
            .is_some_and(|x| x >> (id & 63) & 1 != 0)
    }
}

/// Baseline: the set of free IDs; lowest free is its first element.
struct FreeSet(BTreeSet<u32>);
impl Ids for FreeSet {
    const NAME: &'static str = "btreeset";
    fn empty() -> Self {
        FreeSet((0..N).collect())
    }
    #[inline]
    fn alloc(&mut self) -> Option<u32> {
        self.0.pop_first()
    }
    #[inline]
    fn free(&mut self, id: u32) {
        self.0.insert(id);
    }
    #[inline]
    fn lookup(&self, id: u32) -> bool {
        !self.0.contains(&id)
    }
}

struct XorShift(u64);
impl XorShift {
    #[inline]
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// A fixed-seed permutation of `0..N`.
fn permutation(seed: u64) -> Vec<u32> {
    let mut v: Vec<u32> = (0..N).collect();
    let mut rng = XorShift(seed);
    for i in (1..v.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v
}

fn fill<A: Ids>(a: &mut A, n: usize) {
    for _ in 0..n {
        black_box(a.alloc());
    }
}

/// A full allocator (IDs `0..N`).
fn full<A: Ids>() -> A {
    let mut a = A::empty();
    fill(&mut a, N as usize);
    a
}

fn bench_one<A: Ids>(c: &mut Criterion, perm: &[u32]) {
    let (gone, live) = perm.split_at(HALF);

    let mut g = c.benchmark_group("fill");
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function(BenchmarkId::from_parameter(A::NAME), |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                let mut a = A::empty();
                let t0 = Instant::now();
                fill(&mut a, N as usize);
                t += t0.elapsed();
                drop(black_box(a));
            }
            t
        })
    });
    g.finish();

    // free_half and refill reuse one allocator: each iteration returns it to full.
    let mut a = full::<A>();
    let mut g = c.benchmark_group("free_half");
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function(BenchmarkId::from_parameter(A::NAME), |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                let t0 = Instant::now();
                for &id in gone {
                    a.free(id);
                }
                t += t0.elapsed();
                fill(&mut a, HALF);
            }
            t
        })
    });
    g.finish();

    let mut g = c.benchmark_group("refill");
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function(BenchmarkId::from_parameter(A::NAME), |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                for &id in gone {
                    a.free(id);
                }
                let t0 = Instant::now();
                fill(&mut a, HALF);
                t += t0.elapsed();
            }
            t
        })
    });
    g.finish();

    // Half full from here on.
    for &id in gone {
        a.free(id);
    }
    let mut g = c.benchmark_group("lookup");
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function(BenchmarkId::from_parameter(A::NAME), |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for &id in live {
                hits += usize::from(a.lookup(id));
            }
            assert_eq!(hits, HALF);
            hits
        })
    });
    g.finish();

    // Churn keeps going on the same allocator; it hovers around 50% occupancy.
    let mut ids: Vec<u32> = live.to_vec();
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut g = c.benchmark_group("churn");
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function(BenchmarkId::from_parameter(A::NAME), |b| {
        b.iter(|| {
            let mut found = 0usize;
            for _ in 0..HALF {
                let r = rng.next();
                match r % 3 {
                    0 => {
                        if let Some(id) = a.alloc() {
                            ids.push(id);
                        }
                    }
                    1 => {
                        if !ids.is_empty() {
                            let i = ((r >> 8) % ids.len() as u64) as usize;
                            let id = ids.swap_remove(i);
                            a.free(id);
                        }
                    }
                    _ => found += usize::from(a.lookup(((r >> 8) % u64::from(N)) as u32)),
                }
            }
            found
        })
    });
    g.finish();
}

/// Allocates and frees one large block: glibc then raises its mmap and trim
/// thresholds (to the block's size and twice that), so the memory of a dropped
/// allocator stays in the process and the next `fill` reuses it, for every
/// contender alike.
fn warm_malloc() {
    drop(black_box(vec![1u8; 24 << 20]));
}

fn allocators(c: &mut Criterion) {
    warm_malloc();
    let perm = permutation(0x9E37_79B9_7F4A_7C15);
    bench_one::<Xa>(c, &perm);
    bench_one::<XaUnit>(c, &perm);
    bench_one::<IdAllocator>(c, &perm);
    bench_one::<Bitmap>(c, &perm);
    bench_one::<Slab>(c, &perm);
    bench_one::<FreeSet>(c, &perm);
    bench_one::<Floor>(c, &perm);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = allocators
}
criterion_main!(benches);
