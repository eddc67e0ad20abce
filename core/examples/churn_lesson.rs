//! Prints a generated lesson of N steps for benchmarks: a churn of allocs, finds and
//! frees over the whole 20-bit space, in a default-allocator and a custom-allocator
//! flavour.
//!
//! ```text
//! cargo run --release --example churn_lesson -- 1000000 > /tmp/churn.json
//! cargo run --release --example churn_lesson -- 1000000 vcmd > /tmp/churn-vcmd.json
//! time target/release/ioasid-sim run /tmp/churn.json > /dev/null
//! ```
use std::collections::BTreeSet;
use std::io::{self, BufWriter, Write};

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let vcmd = args.next().as_deref() == Some("vcmd");
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    write!(
        out,
        r#"{{"format":1,"title":"churn {n}","profile":"v5.5","steps":["#
    )?;
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut live: Vec<u32> = Vec::new();
    let mut next_id = 1u32;
    // IDs freed so far: first fit hands out the lowest of them before any new one.
    let mut freed: BTreeSet<u32> = BTreeSet::new();
    let mut written = 0;
    if vcmd {
        write!(
            out,
            r#"{{"op":"host_create","host":"H","min":1,"max":1048575}},{{"op":"register","allocator":"v0","fns":"vcmd","host":"H"}}"#
        )?;
        written = 2;
    }
    while written < n {
        if written > 0 {
            out.write_all(b",")?;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let roll = x % 10;
        if roll < 5 || live.is_empty() {
            write!(
                out,
                r#"{{"op":"alloc","set":"sva","min":1,"max":1048575,"data":{{"mm":"A"}}}}"#
            )?;
            let id = match freed.pop_first() {
                Some(id) => id,
                None => {
                    next_id += 1;
                    next_id - 1
                }
            };
            live.push(id);
        } else if roll < 8 {
            let id = live[(x >> 20) as usize % live.len()];
            write!(out, r#"{{"op":"find","set":"sva","id":{id}}}"#)?;
        } else {
            let i = (x >> 20) as usize % live.len();
            let id = live.swap_remove(i);
            freed.insert(id);
            write!(out, r#"{{"op":"free","id":{id},"set":"sva"}}"#)?;
        }
        written += 1;
    }
    writeln!(out, "]}}")
}
