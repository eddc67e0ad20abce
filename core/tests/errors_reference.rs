//! `docs/kernel-reference/errors.md` keeps its promise: every error an op returns under a
//! profile (its own knobs) is listed there. The model is driven over every built-in lesson
//! and over lessons generated from a fixed seed (every op, edge values, names that exist
//! and names that do not), under every profile; an (op, profile, error) seen that the
//! table does not list fails the test. Each row listed must be seen here, or name the
//! test or lesson that shows it (and that test or lesson must exist).
use ioasid_core::lesson::Lesson;
use ioasid_core::lesson::OP_NAMES;
use ioasid_core::run::Runner;
use ioasid_core::trace::Outcome;
use ioasid_core::Profile;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::vocab::{ALLOCATORS, DEVICES, DOMAINS, EDGE, HOSTS, MMS, READERS, SETS, VARS};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// A small deterministic generator (xorshift), so that a failure is the same on every
/// run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }
}

/// One step of op `op` with arguments drawn from `r`; `vars` are the names saved so far.
fn step(op: &str, r: &mut Rng, vars: &[&'static str]) -> Value {
    let mut id = |r: &mut Rng| -> Value {
        match r.below(8) {
            0 => json!(EDGE[r.below(EDGE.len())]),
            1 | 2 if !vars.is_empty() => json!(format!("${}", vars[r.below(vars.len())])),
            _ => json!(r.below(6)),
        }
    };
    let set = |r: &mut Rng| -> Value {
        if r.chance(3) {
            Value::Null
        } else {
            json!(r.pick(&SETS))
        }
    };
    let data = |r: &mut Rng| -> Value {
        match r.below(4) {
            0 => Value::Null,
            1 => json!({"mm": r.pick(&MMS)}),
            2 => json!({"domain": r.pick(&DOMAINS)}),
            _ => json!({"driver": "K"}),
        }
    };
    let range = |r: &mut Rng, id: &mut dyn FnMut(&mut Rng) -> Value| -> (Value, Value) {
        match r.below(4) {
            0 => (id(r), id(r)),
            1 => (json!(r.below(4)), json!(r.below(8))),
            _ => (json!(1), json!(1_048_575)),
        }
    };
    let mut m = match op {
        "set_create" if r.chance(2) => {
            json!({"op": op, "set": r.pick(&SETS), "token": r.pick(&MMS), "quota": r.below(6)})
        }
        "set_create" => json!({"op": op, "set": r.pick(&SETS)}),
        "set_free" => json!({"op": op, "set": r.pick(&SETS)}),
        "alloc" => {
            let (lo, hi) = range(r, &mut id);
            json!({"op": op, "set": set(r), "min": lo, "max": hi, "data": data(r)})
        }
        "free" | "get" | "put" if r.chance(2) => json!({"op": op, "id": id(r)}),
        "free" | "get" | "put" => json!({"op": op, "id": id(r), "set": r.pick(&SETS)}),
        "get_if_owned" => json!({"op": op, "id": id(r), "mm": r.pick(&MMS)}),
        "find" if r.chance(2) => {
            json!({"op": op, "set": set(r), "id": id(r), "getter": "mm_alive"})
        }
        "find" => json!({"op": op, "set": set(r), "id": id(r)}),
        "set_data" => json!({"op": op, "id": id(r), "data": data(r)}),
        "attach_data" => json!({"op": op, "id": id(r), "data": {"mm": r.pick(&MMS)}}),
        "detach_data" | "detach_spid" => json!({"op": op, "id": id(r)}),
        "attach_spid" => json!({"op": op, "id": id(r), "spid": r.below(6)}),
        "find_by_spid" => json!({"op": op, "set": r.pick(&SETS), "spid": r.below(6)}),
        "host_create" => {
            let (lo, hi) = range(r, &mut id);
            json!({"op": op, "host": r.pick(&HOSTS), "min": lo, "max": hi})
        }
        "host_answer" => {
            let n = r.below(4);
            let answers: Vec<Value> = (0..n)
                .map(|_| {
                    if r.chance(4) {
                        json!("no_pasid")
                    } else {
                        json!(r.below(12))
                    }
                })
                .collect();
            json!({"op": op, "host": r.pick(&HOSTS), "answers": answers})
        }
        "host_alloc" => json!({"op": op, "host": r.pick(&HOSTS), "guest": r.pick(&MMS)}),
        "host_free" => json!({"op": op, "host": r.pick(&HOSTS), "id": id(r)}),
        "register" if r.chance(2) => json!({"op": op, "allocator": r.pick(&ALLOCATORS),
            "fns": r.pick(&["vcmd", "other"]), "host": r.pick(&HOSTS)}),
        "register" => {
            json!({"op": op, "allocator": r.pick(&ALLOCATORS), "fns": r.pick(&["vcmd", "other"])})
        }
        "unregister" => json!({"op": op, "allocator": r.pick(&ALLOCATORS)}),
        "mm_create" => json!({"op": op, "mm": r.pick(&MMS), "maps": [
            {"start": 4096 * r.below(4), "len": 4096 * r.below(4), "perm": r.pick(&["r", "rw", "rx", "rwx"])}]}),
        "mm_exit" => json!({"op": op, "mm": r.pick(&MMS)}),
        "bind" if r.chance(2) => json!({"op": op, "device": r.pick(&DEVICES), "mm": r.pick(&MMS)}),
        "bind" => {
            let (lo, hi) = range(r, &mut id);
            json!({"op": op, "device": r.pick(&DEVICES), "mm": r.pick(&MMS), "min": lo, "max": hi})
        }
        "unbind" => json!({"op": op, "device": r.pick(&DEVICES), "mm": r.pick(&MMS)}),
        "fault" => json!({"op": op, "device": r.pick(&DEVICES),
            "pasid": if r.chance(6) { Value::Null } else { id(r) },
            "addr": 2048 * r.below(8), "perm": r.pick(&["r", "w", "x"]),
            "group": r.below(4), "last": !r.chance(3)}),
        "run_faults" => json!({"op": op}),
        "flush" | "overflow" => json!({"op": op, "device": r.pick(&DEVICES)}),
        "attach_pasid" => {
            json!({"op": op, "device": r.pick(&DEVICES), "pasid": id(r), "domain": r.pick(&DOMAINS)})
        }
        "detach_pasid" => json!({"op": op, "device": r.pick(&DEVICES), "pasid": id(r)}),
        "read_begin" => json!({"op": op, "reader": r.pick(&READERS), "set": set(r), "id": id(r)}),
        "read_end" => json!({"op": op, "reader": r.pick(&READERS)}),
        "notifier_register" => json!({"op": op, "name": r.pick(&["n1", "n2"]),
            "priority": r.pick(&["cpu", "iommu", "device"]), "set": r.pick(&SETS)}),
        other => panic!("the generator has no step for `{other}`: add one"),
    };
    if r.chance(3) {
        m["as"] = json!(r.pick(&VARS));
    }
    m
}

/// A generated lesson of `len` steps: ops drawn from all of them, each with its
/// arguments.
fn generated(r: &mut Rng, len: usize) -> Lesson {
    let mut saved: Vec<&'static str> = Vec::new();
    let mut steps = Vec::with_capacity(len);
    for _ in 0..len {
        let s = step(OP_NAMES[r.below(OP_NAMES.len())], r, &saved);
        if let Some(v) = s
            .get("as")
            .and_then(Value::as_str)
            .and_then(|n| VARS.iter().find(|v| **v == n))
        {
            if !saved.contains(v) {
                saved.push(v);
            }
        }
        steps.push(s);
    }
    Lesson::from_value(
        json!({"format": 1, "title": "generated", "profile": "v5.5", "steps": steps}),
    )
    .unwrap_or_else(|e| panic!("the generator wrote a rejected lesson: {e}"))
}

type Seen = BTreeMap<(String, Profile, String), String>;

/// Runs `lesson` under `profile` (its own knobs) and notes each error with where it
/// was first seen.
fn observe(lesson: &Lesson, profile: Profile, what: &str, seen: &mut Seen) {
    let Ok(knobs) = lesson.knobs_for(profile) else {
        return;
    };
    let trace = Runner::new(lesson, profile, knobs, false).finish();
    for s in &trace.steps {
        if let Outcome::Err(e) = &s.result {
            seen.entry((s.op.to_string(), profile, format!("{e:?}")))
                .or_insert_with(|| format!("{what}, step {}", s.index + 1));
        }
    }
}

/// Every (op, profile, error) the model returns over the built-in lessons and the
/// generated ones.
fn observed() -> Seen {
    let mut seen = Seen::new();
    for b in ioasid_core::lessons::ALL {
        let lesson = Lesson::parse(b.json).expect("a built-in lesson parses");
        for p in Profile::ALL {
            observe(&lesson, p, b.id, &mut seen);
        }
    }
    // Cases the generated lessons rarely reach: a process's PASID outside a second
    // device's range, and a PASID attached to a domain before the bind that wants it.
    let probes = json!([
        {"op": "mm_create", "mm": "A", "maps": []},
        {"op": "bind", "device": "d0", "mm": "A"},
        {"op": "bind", "device": "d1", "mm": "A", "min": 5, "max": 9},
        {"op": "bind", "device": "d2", "mm": "A", "max": 0},
        {"op": "attach_pasid", "device": "d3", "pasid": 2, "domain": "X"},
        {"op": "mm_create", "mm": "B", "maps": []},
        {"op": "bind", "device": "d3", "mm": "B"}
    ]);
    let probes = Lesson::from_value(
        json!({"format": 1, "title": "probes", "profile": "v5.5", "steps": probes}),
    )
    .expect("the probes parse");
    for p in Profile::ALL {
        observe(&probes, p, "the probes", &mut seen);
    }
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    for n in 0..1000 {
        let len = 8 + r.below(60);
        let lesson = generated(&mut r, len);
        for p in Profile::ALL {
            observe(&lesson, p, &format!("generated lesson {n}"), &mut seen);
        }
    }
    seen
}

/// One row of the page: the (op, profile, error) triples it lists, its rule ids and
/// what shows it when the generated runs do not.
#[derive(Debug)]
struct Row {
    line: usize,
    listed: Vec<(String, Profile, String)>,
    rules: Vec<String>,
    shown_by: String,
}

fn profiles(cell: &str, line: usize) -> Vec<Profile> {
    let cell = cell.trim();
    if cell == "all" {
        return Profile::ALL.to_vec();
    }
    if let Some(but) = cell.strip_prefix("all but ") {
        let out: Vec<Profile> = but
            .split(" and ")
            .flat_map(|c| c.split(", "))
            .map(|p| {
                p.trim()
                    .parse::<Profile>()
                    .unwrap_or_else(|e| panic!("errors.md:{line}: {e}"))
            })
            .collect();
        return Profile::ALL
            .into_iter()
            .filter(|p| !out.contains(p))
            .collect();
    }
    cell.split(", ")
        .map(|p| {
            p.trim()
                .parse::<Profile>()
                .unwrap_or_else(|e| panic!("errors.md:{line}: {e}"))
        })
        .collect()
}

/// The rows of `docs/kernel-reference/errors.md`: each `## ` section names its ops in
/// backquotes; a table without an `op` column is about all of them.
fn rows() -> Vec<Row> {
    let text = fs::read_to_string(repo().join("docs/kernel-reference/errors.md"))
        .expect("docs/kernel-reference/errors.md");
    let mut ops: Vec<String> = Vec::new();
    let mut has_op_column = false;
    let mut out = Vec::new();
    for (n, l) in text.lines().enumerate() {
        let line = n + 1;
        if let Some(head) = l.strip_prefix("## ") {
            ops = head
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            continue;
        }
        let Some(inner) = l.strip_prefix('|').and_then(|r| r.strip_suffix('|')) else {
            continue;
        };
        let cells: Vec<&str> = inner.split('|').map(str::trim).collect();
        if cells[0] == "profiles" || cells[0] == "op" {
            has_op_column = cells[0] == "op";
            continue;
        }
        if cells[0].starts_with("---") {
            continue;
        }
        let (row_ops, rest): (Vec<String>, &[&str]) = if has_op_column {
            (
                cells[0].split(", ").map(|o| o.trim().to_string()).collect(),
                &cells[1..],
            )
        } else {
            (ops.clone(), &cells[..])
        };
        assert_eq!(
            rest.len(),
            5,
            "errors.md:{line}: profiles | error | when | rule | shown by"
        );
        let mut listed = Vec::new();
        for op in &row_ops {
            assert!(
                ops.contains(op),
                "errors.md:{line}: `{op}` is not an op of its section"
            );
            for p in profiles(rest[0], line) {
                for e in rest[1].split(", ") {
                    listed.push((op.clone(), p, e.trim().to_string()));
                }
            }
        }
        assert!(!rest[2].is_empty(), "errors.md:{line}: say when");
        out.push(Row {
            line,
            listed,
            rules: rest[3].split(", ").map(|r| r.trim().to_string()).collect(),
            shown_by: rest[4].to_string(),
        });
    }
    out
}

/// Every `### R-...` / `### M-...` id of the other reference files.
fn entry_ids() -> BTreeSet<String> {
    let dir = repo().join("docs/kernel-reference");
    let mut ids = BTreeSet::new();
    for e in fs::read_dir(&dir).expect("the reference") {
        let text = fs::read_to_string(e.expect("an entry").path()).unwrap_or_default();
        for l in text.lines() {
            if let Some(head) = l.strip_prefix("### ") {
                ids.insert(head.split(':').next().unwrap_or("").trim().to_string());
            }
        }
    }
    ids
}

#[test]
fn every_error_the_model_returns_is_listed_and_every_listed_one_is_shown() {
    let rows = rows();
    assert!(!rows.is_empty(), "errors.md has no rows");
    let ids = entry_ids();
    let errnos: Vec<String> = ioasid_core::Errno::ALL
        .iter()
        .map(|e| format!("{e:?}"))
        .collect();
    let mut listed: BTreeMap<(String, Profile, String), usize> = BTreeMap::new();
    for r in &rows {
        for rule in &r.rules {
            assert!(
                rule == "model" || ids.contains(rule),
                "errors.md:{}: `{rule}` is no entry of the reference",
                r.line
            );
        }
        for t in &r.listed {
            assert!(
                OP_NAMES.contains(&t.0.as_str()),
                "errors.md:{}: no op `{}`",
                r.line,
                t.0
            );
            assert!(
                errnos.contains(&t.2),
                "errors.md:{}: no error `{}`",
                r.line,
                t.2
            );
            listed.insert(t.clone(), r.line);
        }
    }
    let seen = observed();
    let unlisted: Vec<String> = seen
        .iter()
        .filter(|(k, _)| !listed.contains_key(*k))
        .map(|((op, p, e), at)| format!("{op} under {p} returns {e} (first in {at})"))
        .collect();
    assert!(
        unlisted.is_empty(),
        "errors.md does not list:\n{}",
        unlisted.join("\n")
    );
    let mut unshown = Vec::new();
    for r in &rows {
        let unseen: Vec<_> = r.listed.iter().filter(|t| !seen.contains_key(*t)).collect();
        if unseen.is_empty() {
            continue;
        }
        if r.shown_by.is_empty() {
            unshown.push(format!("errors.md:{}: not seen: {unseen:?}", r.line));
        } else {
            assert!(
                shown_by_exists(&r.shown_by),
                "errors.md:{}: `{}` not found",
                r.line,
                r.shown_by
            );
        }
    }
    assert!(
        unshown.is_empty(),
        "rows neither seen nor shown by a named test or lesson:\n{}",
        unshown.join("\n")
    );
}

/// `shown by` names a test as `core/tests/FILE.rs fn_name`, or a built-in lesson by
/// its id; either must exist.
fn shown_by_exists(what: &str) -> bool {
    let what = what.trim_matches('`');
    if let Some((file, test)) = what.split_once(' ') {
        let file = file.trim_end_matches('`');
        let test = test.trim_matches('`');
        fs::read_to_string(repo().join(file)).is_ok_and(|t| t.contains(&format!("fn {test}(")))
    } else {
        ioasid_core::lessons::ALL.iter().any(|b| b.id == what)
    }
}

/// The generated runs reach every op: a row can only be seen if its op runs.
#[test]
fn the_generator_writes_every_op() {
    let mut r = Rng(7);
    let mut ops = BTreeSet::new();
    for _ in 0..20 {
        for s in generated(&mut r, 60).steps {
            ops.insert(s.op.name());
        }
    }
    assert_eq!(ops.len(), OP_NAMES.len(), "{ops:?}");
}
