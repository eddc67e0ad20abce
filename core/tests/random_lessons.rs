//! Random *valid* lessons over every op: each runs under every profile without a panic,
//! keeps the invariants after every step, and a jump to any step (a snapshot plus a
//! replay) gives the same world as running there. (`model.rs` throws random JSON at the
//! parser; most of that is rejected before it runs, so it reaches little of the model.)
use ioasid_core::lesson::Lesson;
use ioasid_core::run::Runner;
use ioasid_core::{Profile, World};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

mod common;
use common::vocab::{
    ALLOCATORS, DEVICES, DOMAINS, EDGE, FNS, HOSTS, MMS, PERMS, READERS, SETS, VARS,
};

fn pick<'a>(list: &[&'a str], b: u8) -> &'a str {
    list[usize::from(b) % list.len()]
}

/// One step from an op number and six choice bytes. `vars` are the names saved so far.
fn step(op: u8, b: [u8; 6], vars: &[&str]) -> Value {
    // An ID: mostly small, sometimes an edge value, sometimes a saved name.
    let id = |x: u8| -> Value {
        match x % 8 {
            0 => json!(EDGE[usize::from(x / 8) % EDGE.len()]),
            1 if !vars.is_empty() => json!(format!("${}", pick(vars, x / 8))),
            _ => json!(x % 6),
        }
    };
    let set = |x: u8| -> Value {
        if x.is_multiple_of(3) {
            Value::Null
        } else {
            json!(pick(&SETS, x))
        }
    };
    let data = |x: u8| -> Value {
        match x % 4 {
            0 => Value::Null,
            1 => json!({"mm": pick(&MMS, x / 4)}),
            2 => json!({"domain": pick(&DOMAINS, x / 4)}),
            _ => json!({"driver": "K"}),
        }
    };
    let (lo, hi) = {
        let (a, c) = (id(b[1]), id(b[2]));
        if !b[0].is_multiple_of(3) {
            (json!(1), json!(1_048_575))
        } else {
            (a, c)
        }
    };
    let mut m = match op % 32 {
        0 => {
            json!({"op": "set_create", "set": pick(&SETS, b[0]), "token": pick(&MMS, b[1]), "quota": b[2] % 6})
        }
        1 => json!({"op": "set_create", "set": pick(&SETS, b[0])}),
        2 => json!({"op": "set_free", "set": pick(&SETS, b[0])}),
        3..=6 => json!({"op": "alloc", "set": set(b[3]), "min": lo, "max": hi, "data": data(b[4])}),
        7 | 8 => json!({"op": "free", "id": id(b[0]), "set": pick(&SETS, b[1])}),
        9 => json!({"op": "get", "id": id(b[0]), "set": pick(&SETS, b[1])}),
        10 => json!({"op": "put", "id": id(b[0])}),
        11 => json!({"op": "get_if_owned", "id": id(b[0]), "mm": pick(&MMS, b[1])}),
        12 => json!({"op": "find", "set": set(b[1]), "id": id(b[0]), "getter": "mm_alive"}),
        13 => json!({"op": "set_data", "id": id(b[0]), "data": data(b[1])}),
        14 => json!({"op": "attach_data", "id": id(b[0]), "data": {"mm": pick(&MMS, b[1])}}),
        15 => json!({"op": "detach_data", "id": id(b[0])}),
        16 => json!({"op": "attach_spid", "id": id(b[0]), "spid": b[1] % 6}),
        17 => json!({"op": "find_by_spid", "set": pick(&SETS, b[0]), "spid": b[1] % 6}),
        18 => json!({"op": "host_create", "host": pick(&HOSTS, b[0]), "min": 1, "max": 1_048_575}),
        19 => {
            let answers: Vec<Value> = b[1..]
                .iter()
                .take(usize::from(b[0] % 4))
                .map(|x| {
                    if x % 4 == 0 {
                        json!("no_pasid")
                    } else {
                        json!(x % 12)
                    }
                })
                .collect();
            json!({"op": "host_answer", "host": pick(&HOSTS, b[0]), "answers": answers})
        }
        20 => {
            json!({"op": "register", "allocator": pick(&ALLOCATORS, b[0]), "fns": pick(&FNS, b[1]), "host": pick(&HOSTS, b[2])})
        }
        21 => json!({"op": "unregister", "allocator": pick(&ALLOCATORS, b[0])}),
        22 => json!({"op": "mm_create", "mm": pick(&MMS, b[0]), "maps": [
            {"start": 4096 * u64::from(b[1] % 4), "len": 4096 * (1 + u64::from(b[2] % 3)), "perm": pick(&PERMS, b[3])}]}),
        23 => json!({"op": "mm_exit", "mm": pick(&MMS, b[0])}),
        24 if b[3].is_multiple_of(2) => {
            json!({"op": "bind", "device": pick(&DEVICES, b[0]), "mm": pick(&MMS, b[1])})
        }
        24 => {
            json!({"op": "bind", "device": pick(&DEVICES, b[0]), "mm": pick(&MMS, b[1]), "min": 1, "max": b[2] % 6})
        }
        25 => json!({"op": "unbind", "device": pick(&DEVICES, b[0]), "mm": pick(&MMS, b[1])}),
        26 | 27 => json!({"op": "fault", "device": pick(&DEVICES, b[0]),
            "pasid": if b[1].is_multiple_of(6) { Value::Null } else { id(b[1]) },
            "addr": 2048 * u64::from(b[2] % 8), "perm": pick(&["r", "w", "x"], b[3]),
            "group": b[4] % 4, "last": !b[5].is_multiple_of(3)}),
        28 => json!({"op": "run_faults"}),
        29 if b[1].is_multiple_of(2) => json!({"op": "flush", "device": pick(&DEVICES, b[0])}),
        29 => json!({"op": "overflow", "device": pick(&DEVICES, b[0])}),
        30 if b[1].is_multiple_of(2) => {
            json!({"op": "read_begin", "reader": pick(&READERS, b[0]), "set": pick(&SETS, b[2]), "id": id(b[3])})
        }
        30 => json!({"op": "read_end", "reader": pick(&READERS, b[0])}),
        _ if b[1].is_multiple_of(2) => {
            json!({"op": "attach_pasid", "device": pick(&DEVICES, b[0]), "pasid": id(b[2]), "domain": pick(&DOMAINS, b[3])})
        }
        _ => json!({"op": "notifier_register", "name": pick(&["n1", "n2"], b[0]),
            "priority": pick(&["cpu", "iommu", "device"], b[2]), "set": pick(&SETS, b[3])}),
    };
    if let Value::Object(o) = &mut m {
        if b[5].is_multiple_of(4) {
            o.insert("as".into(), json!(pick(&VARS, b[4])));
        }
    }
    m
}

fn lesson(steps: &[(u8, [u8; 6])], knobs: Map<String, Value>) -> Value {
    let mut saved: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for &(op, b) in steps {
        let s = step(op, b, &saved);
        if let Some(name) = s.get("as").and_then(Value::as_str) {
            if let Some(v) = VARS.iter().find(|v| **v == name) {
                if !saved.contains(v) {
                    saved.push(v);
                }
            }
        }
        out.push(s);
    }
    json!({"format": 1, "title": "random", "profile": "v5.5", "knobs": knobs, "steps": out})
}

/// The world without this step's log, in a comparable form.
fn state(w: &World) -> String {
    let mut w = w.clone();
    w.log = Default::default();
    format!("{w:?}")
}

fn check(lesson: &Lesson) -> Result<(), TestCaseError> {
    for p in Profile::ALL {
        let knobs = lesson
            .knobs_for(p)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut runner = Runner::new(lesson, p, knobs, true);
        let mut direct = Vec::new();
        while direct.len() < lesson.steps.len() {
            runner.advance(1);
            let i = direct.len();
            runner.world().check_invariants().map_err(|e| {
                TestCaseError::fail(format!("{p}: invariant broken after step {i}: {e}"))
            })?;
            direct.push(state(runner.world()));
        }
        let trace = runner.finish();
        for (i, seen) in direct.iter().enumerate() {
            let jumped = trace.world_after(i);
            jumped.check_invariants().map_err(|e| {
                TestCaseError::fail(format!(
                    "{p}: invariant broken after a jump to step {i}: {e}"
                ))
            })?;
            prop_assert_eq!(&state(&jumped), seen, "{}: a jump to step {} differs", p, i);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn random_valid_lessons_run_under_every_profile(
        steps in proptest::collection::vec((any::<u8>(), any::<[u8; 6]>()), 1..80),
        flaws in proptest::collection::vec((0..ioasid_core::profile::BOOL_KNOBS.len(), any::<bool>()), 0..3),
    ) {
        let knobs: Map<String, Value> = flaws
            .into_iter()
            .map(|(k, on)| (ioasid_core::profile::BOOL_KNOBS[k].name.to_string(), json!(on)))
            .collect();
        let text = lesson(&steps, knobs);
        let parsed = Lesson::from_value(text.clone());
        prop_assert!(parsed.is_ok(), "the generator wrote a rejected lesson: {:?}\n{}", parsed.err(), text);
        if let Ok(l) = parsed {
            check(&l)?;
        }
    }
}
