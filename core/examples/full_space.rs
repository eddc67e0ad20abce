//! Measures the model with every one of the 2^20 PASIDs allocated: resident memory,
//! fill time, and the cost of a snapshot (a clone) and of one change after it.
//!
//! ```text
//! cargo run --release --example full_space
//! ```
use ioasid_core::id::{Data, Name, PASID_MAX};
use ioasid_core::{Profile, World};
use std::time::Instant;

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let before = rss_kb();
    let mut w = World::new(Profile::V5_5, Profile::V5_5.knobs());
    let sva = Name::from("sva");
    let mm = Data::Mm(Name::from("A"));
    let t = Instant::now();
    let mut n = 0u32;
    while w.alloc(Some(&sva), 0, PASID_MAX, Some(mm)).is_ok() {
        n += 1;
    }
    let fill = t.elapsed();
    let after = rss_kb();
    println!(
        "filled {n} IDs in {fill:?}; resident memory grew by {:.1} MB",
        (after - before) as f64 / 1024.0
    );
    let t = Instant::now();
    let snapshot = w.clone();
    let clone = t.elapsed();
    let t = Instant::now();
    let _ = w.free(Some(&sva), 4242);
    let _ = w.alloc(Some(&sva), 0, PASID_MAX, None);
    let change = t.elapsed();
    println!(
        "snapshot clone {clone:?}; free + alloc after it {change:?}; memory now {:.1} MB above start",
        (rss_kb() - before) as f64 / 1024.0
    );
    println!(
        "the snapshot still holds {} IDs, the live world {}",
        snapshot.active_store().len(),
        w.active_store().len()
    );
}
