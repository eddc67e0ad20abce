//! Sandbox templates: a ready-to-run step for each op of the lesson format, filled with
//! names and IDs the current world already has where that makes sense.
use ioasid_core::space::World;
use serde_json::{json, Value};

/// Names and IDs from the world shown, to fill templates with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hints {
    pub id: u32,
    pub mm: String,
    pub device: String,
    pub host: String,
    pub allocator: String,
    pub set: String,
    pub reader: String,
    pub var: String,
}

impl Hints {
    /// Hints from `world`; `saved`: the names earlier steps saved results `as`.
    pub fn from_world(world: &World, saved: &[String]) -> Hints {
        let first = |it: &mut dyn Iterator<Item = String>, d: &str| it.next().unwrap_or(d.into());
        let mut n = 1;
        let var = loop {
            let v = format!("x{n}");
            if !saved.contains(&v) {
                break v;
            }
            n += 1;
        };
        Hints {
            id: world.active_store().iter().next().map_or(1, |(id, _)| id),
            mm: first(&mut world.mms.keys().map(|k| k.to_string()), "A"),
            device: first(&mut world.devices.keys().map(|k| k.to_string()), "dev0"),
            host: first(&mut world.hosts.keys().map(|k| k.to_string()), "H"),
            allocator: first(
                &mut world
                    .groups
                    .iter()
                    .flat_map(|g| g.members.iter().map(|m| m.to_string())),
                "viommu0",
            ),
            set: first(
                &mut world
                    .sets
                    .keys()
                    .filter(|k| &***k != "sva")
                    .map(|k| k.to_string()),
                "vm1",
            ),
            reader: first(&mut world.readers.keys().map(|k| k.to_string()), "r1"),
            var,
        }
    }
}

impl Default for Hints {
    fn default() -> Self {
        Hints {
            id: 1,
            mm: "A".into(),
            device: "dev0".into(),
            host: "H".into(),
            allocator: "viommu0".into(),
            set: "vm1".into(),
            reader: "r1".into(),
            var: "x1".into(),
        }
    }
}

/// A step of `op` as JSON, ready to edit; `None` for an unknown op.
pub fn template(op: &str, h: &Hints) -> Option<Value> {
    let id = h.id;
    let v = match op {
        "set_create" => json!({"op": op, "set": h.set, "quota": 8}),
        "set_free" => json!({"op": op, "set": h.set}),
        "alloc" => {
            json!({"op": op, "set": "sva", "min": 1, "max": 1048575, "data": {"mm": h.mm}, "as": h.var})
        }
        "free" => json!({"op": op, "id": id, "set": "sva"}),
        "get" | "put" => json!({"op": op, "id": id}),
        "get_if_owned" => json!({"op": op, "id": id, "mm": h.mm}),
        "find" => json!({"op": op, "set": "sva", "id": id}),
        "set_data" => json!({"op": op, "id": id, "data": {"mm": h.mm}}),
        "attach_data" => json!({"op": op, "id": id, "data": {"domain": "D"}}),
        "detach_data" => json!({"op": op, "id": id}),
        "attach_spid" => json!({"op": op, "id": id, "spid": 5}),
        "find_by_spid" => json!({"op": op, "set": h.set, "spid": 5}),
        "host_create" => json!({"op": op, "host": h.host, "min": 1, "max": 1048575}),
        "host_answer" => json!({"op": op, "host": h.host, "answers": [7, "no_pasid"]}),
        "host_alloc" => json!({"op": op, "host": h.host, "guest": "vm1"}),
        "host_free" => json!({"op": op, "host": h.host, "id": id}),
        "register" => {
            json!({"op": op, "allocator": h.allocator, "fns": "vcmd", "host": h.host})
        }
        "unregister" => json!({"op": op, "allocator": h.allocator}),
        "mm_create" => {
            json!({"op": op, "mm": h.mm, "maps": [{"start": 4096, "len": 8192, "perm": "rw"}]})
        }
        "mm_exit" => json!({"op": op, "mm": h.mm}),
        "bind" | "unbind" => json!({"op": op, "device": h.device, "mm": h.mm}),
        "fault" => json!({
            "op": op, "device": h.device, "pasid": id, "addr": "0x1000",
            "perm": "r", "group": 1, "last": true
        }),
        "run_faults" => json!({"op": op}),
        "flush" | "overflow" => json!({"op": op, "device": h.device}),
        "attach_pasid" => json!({"op": op, "device": h.device, "pasid": id, "domain": "D"}),
        "read_begin" => json!({"op": op, "reader": h.reader, "set": "sva", "id": id}),
        "read_end" => json!({"op": op, "reader": h.reader}),
        "notifier_register" => {
            json!({"op": op, "name": "kvm", "priority": "cpu", "set": h.set})
        }
        _ => return None,
    };
    Some(v)
}

/// Where a field goes in a template's text: the op first, "as" last, the rest as a person
/// would write them.
fn key_rank(k: &str) -> usize {
    const ORDER: [&str; 12] = [
        "op",
        "set",
        "id",
        "min",
        "max",
        "data",
        "device",
        "mm",
        "host",
        "allocator",
        "reader",
        "pasid",
    ];
    match k {
        "as" => usize::MAX,
        _ => ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len()),
    }
}

/// A template as the text the sandbox's editor starts with: one field per line, the op
/// first.
pub fn template_text(op: &str, h: &Hints) -> String {
    let Some(Value::Object(m)) = template(op, h) else {
        return format!("{{\"op\": \"{op}\"}}");
    };
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort_by_key(|k| (key_rank(k), (*k).clone()));
    let lines: Vec<String> = keys
        .iter()
        .map(|k| {
            let value = &m[k.as_str()];
            let mut v = serde_json::to_string(value).unwrap_or_default();
            if value.is_array() || value.is_object() {
                // Our templates' nested values hold no text with these characters.
                v = v.replace(',', ", ").replace(':', ": ");
            }
            format!("  \"{k}\": {v}")
        })
        .collect();
    format!("{{\n{}\n}}", lines.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ioasid_core::lesson::{parse_step, OP_NAMES};

    #[test]
    fn every_op_has_a_template_that_parses() {
        let h = Hints::default();
        for op in OP_NAMES {
            let v = template(op, &h).unwrap_or_else(|| panic!("no template for {op}"));
            let step = parse_step(0, v).unwrap_or_else(|e| panic!("{op}: {e}"));
            assert_eq!(step.op.name(), op);
        }
        assert_eq!(template("nope", &h), None);
        for op in OP_NAMES {
            let text = template_text(op, &h);
            assert!(
                text.starts_with(&format!("{{\n  \"op\": \"{op}\"")),
                "{text}"
            );
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{op}: {e}"));
            parse_step(0, v).unwrap_or_else(|e| panic!("{op}: {e}"));
        }
    }

    #[test]
    fn hints_pick_a_fresh_variable_name() {
        let w = World::new(
            ioasid_core::Profile::V5_5,
            ioasid_core::Profile::V5_5.knobs(),
        );
        let h = Hints::from_world(&w, &["x1".into(), "x2".into()]);
        assert_eq!(h.var, "x3");
        assert_eq!(h.id, 1);
    }
}
