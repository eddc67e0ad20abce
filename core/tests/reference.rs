//! The project's kernel reference (`docs/kernel-reference/`) keeps its promises: every
//! entry has the fields its README names, every kernel rule (`R-`) links to its source,
//! every entry names exactly one conformance test that exists, every conformance test
//! named after a rule belongs to an entry, and the README's ledger is the count of what is there.
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// One `### R-...` or `### M-...` entry: its id, file and `- Field: value` lines.
#[derive(Debug)]
struct Entry {
    id: String,
    file: String,
    fields: BTreeMap<String, String>,
}

fn entries() -> Vec<Entry> {
    let dir = repo().join("docs/kernel-reference");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md") && !p.ends_with("README.md"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let text = fs::read_to_string(&path).expect("readable");
        let mut current: Option<Entry> = None;
        for line in text.lines() {
            if let Some(head) = line.strip_prefix("### ") {
                if let Some(e) = current.take() {
                    out.push(e);
                }
                let id = head.split(':').next().unwrap_or("").trim().to_string();
                if id.starts_with("R-") || id.starts_with("M-") {
                    current = Some(Entry {
                        id,
                        file: file.clone(),
                        fields: BTreeMap::new(),
                    });
                }
            } else if line.starts_with("## ") {
                if let Some(e) = current.take() {
                    out.push(e);
                }
            } else if let Some(e) = current.as_mut() {
                if let Some((k, v)) = line
                    .strip_prefix("- ")
                    .and_then(|l| l.split_once(": "))
                    .filter(|(k, _)| ["Eras", "Rule", "Source", "Improved", "Test"].contains(k))
                {
                    e.fields
                        .entry(k.to_string())
                        .and_modify(|old| {
                            old.push(' ');
                            old.push_str(v);
                        })
                        .or_insert_with(|| v.to_string());
                } else if let Some(last) = line.strip_prefix("  ") {
                    // A field continued on the next line, indented.
                    if let Some(v) = e.fields.values_mut().last() {
                        v.push(' ');
                        v.push_str(last.trim());
                    }
                }
            }
        }
        if let Some(e) = current.take() {
            out.push(e);
        }
    }
    out
}

/// `#[test] fn NAME` in every `core/tests/conformance_*.rs`, with its file.
fn conformance_tests() -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut out = BTreeMap::new();
    for e in fs::read_dir(&dir).expect("core/tests") {
        let path = e.expect("an entry").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !(name.starts_with("conformance_") && name.ends_with(".rs")) {
            continue;
        }
        let text = fs::read_to_string(&path).expect("readable");
        let mut is_test = false;
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with("#[test]") {
                is_test = true;
            } else if is_test && t.starts_with("fn ") {
                let f = t[3..].split('(').next().unwrap_or("").trim().to_string();
                out.insert(f, name.clone());
                is_test = false;
            }
        }
    }
    out
}

/// The test an entry names: the first `name` in backticks on its `Test:` line.
fn named_test(e: &Entry) -> Option<String> {
    let t = e.fields.get("Test")?;
    let start = t.find('`')? + 1;
    let len = t[start..].find('`')?;
    Some(t[start..start + len].to_string())
}

/// `R-ALLOC-3` -> `r_alloc_3`: the prefix a test named after the entry starts with.
fn test_prefix(id: &str) -> String {
    id.to_lowercase().replace('-', "_")
}

#[test]
fn every_entry_is_whole_cited_and_tested() {
    let entries = entries();
    let tests = conformance_tests();
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    let mut named = BTreeMap::new();
    for e in &entries {
        let at = format!("{} {}", e.file, e.id);
        if !ids.insert(e.id.clone()) {
            problems.push(format!("{at}: the id is used twice"));
        }
        for field in ["Eras", "Rule", "Source", "Improved", "Test"] {
            if !e.fields.contains_key(field) {
                problems.push(format!("{at}: no `- {field}:` line"));
            }
        }
        if e.id.starts_with("R-")
            && !e
                .fields
                .get("Source")
                .is_some_and(|s| s.contains("https://"))
        {
            problems.push(format!("{at}: a kernel rule needs a link to its source"));
        }
        match named_test(e) {
            None => problems.push(format!("{at}: the Test line names no `test`")),
            Some(t) => {
                if !t.starts_with(&test_prefix(&e.id)) {
                    problems.push(format!(
                        "{at}: its test `{t}` is not named after it ({}_...)",
                        test_prefix(&e.id)
                    ));
                }
                if !tests.contains_key(&t) {
                    problems.push(format!(
                        "{at}: its test `{t}` is in no core/tests/conformance_*.rs"
                    ));
                }
                if let Some(other) = named.insert(t.clone(), e.id.clone()) {
                    problems.push(format!("{at}: `{t}` is already {other}'s test"));
                }
            }
        }
    }
    // A test named like a rule's (`r_...`, `m_...`) must be one; other tests of these
    // files check the model across rules (every era's lines in its listings).
    for (t, file) in &tests {
        if (t.starts_with("r_") || t.starts_with("m_")) && !named.contains_key(t) {
            problems.push(format!(
                "{file}: `{t}` belongs to no entry of the reference"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_ledger_counts_what_is_there() {
    let entries = entries();
    let tests = conformance_tests();
    let rules: Vec<&Entry> = entries.iter().filter(|e| e.id.starts_with("R-")).collect();
    let cited = rules
        .iter()
        .filter(|e| {
            e.fields
                .get("Source")
                .is_some_and(|s| s.contains("https://"))
        })
        .count();
    let tested = rules
        .iter()
        .filter(|e| named_test(e).is_some_and(|t| tests.contains_key(&t)))
        .count();
    let choices = entries.iter().filter(|e| e.id.starts_with("M-")).count();
    let readme = fs::read_to_string(repo().join("docs/kernel-reference/README.md"))
        .expect("the reference's README");
    let ledger = |what: &str| -> Option<usize> {
        readme
            .lines()
            .find(|l| l.starts_with(&format!("| {what} |")))
            .and_then(|l| l.trim_end_matches('|').rsplit('|').next())
            .and_then(|n| n.trim().parse().ok())
    };
    let want = [
        ("rules from the kernel source (`R-`)", rules.len()),
        ("rules with a source link", cited),
        ("rules with a conformance test", tested),
        ("model's choices (`M-`)", choices),
    ];
    let wrong: Vec<String> = want
        .iter()
        .filter(|(what, n)| ledger(what) != Some(*n))
        .map(|(what, n)| format!("| {what} | {n} |  (the README says {:?})", ledger(what)))
        .collect();
    assert!(
        wrong.is_empty(),
        "docs/kernel-reference/README.md's ledger should read:\n{}",
        wrong.join("\n")
    );
}
