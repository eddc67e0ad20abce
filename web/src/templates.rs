//! Sandbox templates: a ready-to-run step for each op of the lesson format, filled with
//! names and IDs the current world already has where that makes sense.
use ioasid_core::space::World;

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

/// Every op's template, one field per line, with `{id}`, `{mm}`... for the hints.
const TEMPLATES: &[(&str, &str)] = &[
    ("set_create", r#""set": "{set}", "quota": 8"#),
    ("set_free", r#""set": "{set}""#),
    (
        "alloc",
        r#""set": "sva", "min": 1, "max": 1048575, "data": {"mm": "{mm}"}, "as": "{var}""#,
    ),
    ("free", r#""id": {id}, "set": "sva""#),
    ("get", r#""id": {id}"#),
    ("put", r#""id": {id}"#),
    ("get_if_owned", r#""id": {id}, "mm": "{mm}""#),
    ("find", r#""set": "sva", "id": {id}"#),
    ("set_data", r#""id": {id}, "data": {"mm": "{mm}"}"#),
    ("attach_data", r#""id": {id}, "data": {"domain": "D"}"#),
    ("detach_data", r#""id": {id}"#),
    ("attach_spid", r#""id": {id}, "spid": 5"#),
    ("detach_spid", r#""id": {id}"#),
    ("find_by_spid", r#""set": "{set}", "spid": 5"#),
    (
        "host_create",
        r#""host": "{host}", "min": 1, "max": 1048575"#,
    ),
    (
        "host_answer",
        r#""host": "{host}", "answers": [7, "no_pasid"]"#,
    ),
    ("host_alloc", r#""host": "{host}", "guest": "vm1""#),
    ("host_free", r#""host": "{host}", "id": {id}"#),
    (
        "register",
        r#""allocator": "{allocator}", "fns": "vcmd", "host": "{host}""#,
    ),
    ("unregister", r#""allocator": "{allocator}""#),
    (
        "mm_create",
        r#""mm": "{mm}", "maps": [{"start": 4096, "len": 8192, "perm": "rw"}]"#,
    ),
    ("mm_exit", r#""mm": "{mm}""#),
    ("bind", r#""device": "{device}", "mm": "{mm}""#),
    ("unbind", r#""device": "{device}", "mm": "{mm}""#),
    (
        "fault",
        r#""device": "{device}", "pasid": {id}, "addr": "0x1000", "perm": "r", "group": 1, "last": true"#,
    ),
    ("run_faults", ""),
    ("flush", r#""device": "{device}""#),
    ("overflow", r#""device": "{device}""#),
    (
        "attach_pasid",
        r#""device": "{device}", "pasid": {id}, "domain": "D""#,
    ),
    ("detach_pasid", r#""device": "{device}", "pasid": {id}"#),
    (
        "read_begin",
        r#""reader": "{reader}", "set": "sva", "id": {id}"#,
    ),
    ("read_end", r#""reader": "{reader}""#),
    (
        "notifier_register",
        r#""name": "kvm", "priority": "cpu", "set": "{set}""#,
    ),
];

/// A step of `op` as the text the sandbox's editor starts with: one field per line, the op
/// first; `None` for an unknown op.
pub fn template(op: &str, h: &Hints) -> Option<String> {
    let (_, fields) = TEMPLATES.iter().find(|(name, _)| *name == op)?;
    let filled = fields
        .replace("{id}", &h.id.to_string())
        .replace("{mm}", &h.mm)
        .replace("{device}", &h.device)
        .replace("{host}", &h.host)
        .replace("{allocator}", &h.allocator)
        .replace("{set}", &h.set)
        .replace("{reader}", &h.reader)
        .replace("{var}", &h.var);
    let mut out = format!("{{\n  \"op\": \"{op}\"");
    for field in top_level_fields(&filled) {
        out.push_str(",\n  ");
        out.push_str(field);
    }
    out.push_str("\n}");
    Some(out)
}

/// Splits `"a": 1, "b": [1, 2]` at the commas between fields (not inside values).
fn top_level_fields(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut in_str, mut start) = (0i32, false, 0);
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '{' | '[' if !in_str => depth += 1,
            '}' | ']' if !in_str => depth -= 1,
            ',' if !in_str && depth == 0 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// A template as the text the sandbox's editor starts with.
pub fn template_text(op: &str, h: &Hints) -> String {
    template(op, h).unwrap_or_else(|| format!("{{\"op\": \"{op}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ioasid_core::lesson::{parse_step, OP_NAMES};

    #[test]
    fn every_op_has_a_template_that_parses() {
        let h = Hints::default();
        for op in OP_NAMES {
            let text = template(op, &h).unwrap_or_else(|| panic!("no template for {op}"));
            assert!(
                text.starts_with(&format!("{{\n  \"op\": \"{op}\"")),
                "{text}"
            );
            let v: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{op}: {e}\n{text}"));
            let step = parse_step(0, v).unwrap_or_else(|e| panic!("{op}: {e}"));
            assert_eq!(step.op.name(), op);
        }
        assert_eq!(template("nope", &h), None);
        assert_eq!(
            template("mm_create", &h).unwrap(),
            "{\n  \"op\": \"mm_create\",\n  \"mm\": \"A\",\n  \"maps\": [{\"start\": 4096, \"len\": 8192, \"perm\": \"rw\"}]\n}"
        );
        assert_eq!(
            template("run_faults", &h).unwrap(),
            "{\n  \"op\": \"run_faults\"\n}"
        );
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
