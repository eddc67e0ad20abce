//! The default allocator's storage: a 64-way radix tree with per-slot free marks.
