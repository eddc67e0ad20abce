//! `ioasid-sim`: runs a lesson outside the browser and prints its results as JSON.
//!
//! ```text
//! ioasid-sim run LESSON.json [--trace] [--profile NAME]
//! ioasid-sim run builtin:ID ...      a built-in lesson
//! ioasid-sim check-builtins          every built-in lesson under every profile it declares
//! ioasid-sim list                    the built-in lessons
//! ```
//! `run` checks the lesson under every profile it declares (`profile` and `profiles`),
//! or only under `--profile NAME`; stdout has the results under the first of them, plus
//! `"other_profiles": {"NAME": expect failures, ...}`; every failed `expect` is named on
//! stderr ("step 4 (steps[3], alloc) under v5.11: expected {"ok":3}, got {"ok":2}"), and
//! so is every `pick` or `type` question that a profile checked gives nothing to grade
//! against. Exit status: 0 when every `expect` held and every question can be graded, 1
//! otherwise, 2 for a malformed lesson or bad usage (message on stderr).
use ioasid_core::lesson::Lesson;
use ioasid_core::lessons;
use ioasid_core::profile::Profile;
use ioasid_core::quiz;
use ioasid_core::run::{check_expects, check_expects_under, run_streaming, Runner};
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: ioasid-sim run (LESSON.json | builtin:ID) [--trace] [--profile NAME]\n       ioasid-sim check-builtins\n       ioasid-sim list";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("check-builtins") => check_builtins(),
        Some("list") => {
            for l in lessons::ALL {
                let title = Lesson::parse(l.json)
                    .map(|l| l.title)
                    .unwrap_or_else(|e| format!("(malformed: {e})"));
                println!("{}\t{}", l.id, title);
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> ExitCode {
    let mut path = None;
    let mut trace = false;
    let mut profile = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--trace" => trace = true,
            "--profile" => match it.next().map(|p| p.parse::<Profile>()) {
                Some(Ok(p)) => profile = Some(p),
                Some(Err(e)) => return usage_error(&e),
                None => return usage_error("--profile needs a name"),
            },
            other if path.is_none() && !other.starts_with("--") => path = Some(other.to_string()),
            other => return usage_error(&format!("unexpected argument `{other}`")),
        }
    }
    let Some(path) = path else {
        return usage_error("no lesson given");
    };
    let text = match path.strip_prefix("builtin:") {
        Some(id) => match lessons::get(id) {
            Some(l) => l.json.to_string(),
            None => {
                return usage_error(&format!(
                    "no built-in lesson `{id}` (see `ioasid-sim list`)"
                ))
            }
        },
        // Bytes, decoded as the browser's import decodes them (a byte-order mark
        // skipped, invalid UTF-8 placed).
        None => match std::fs::read(&path) {
            Ok(bytes) => match ioasid_core::lesson::decode(&bytes) {
                Ok(t) => t.to_string(),
                Err(e) => {
                    eprintln!("{path}: {e}");
                    return ExitCode::from(2);
                }
            },
            Err(e) => return usage_error(&format!("cannot read {path}: {e}")),
        },
    };
    let lesson = match Lesson::parse_reporting_all(&text) {
        Ok(l) => l,
        Err(mistakes) => {
            for e in mistakes {
                eprintln!("{path}: {e}");
            }
            return ExitCode::from(2);
        }
    };
    // The profile shown, then the others the lesson declares (checked, not printed).
    let (profile, others) = match profile {
        Some(p) => (p, Vec::new()),
        None => (
            lesson.profile,
            lesson.profiles[1.min(lesson.profiles.len())..].to_vec(),
        ),
    };
    let knobs = match lesson.knobs_for(profile) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = Failed::default();
    // The other profiles run first, so the steps can then be moved into the streamed run;
    // their failures are named after the first profile's.
    let mut failed_others = Failed::default();
    let mut other_failures = Vec::new();
    for p in &others {
        let Ok(n) = check_expects_under(&lesson, *p, |s| failed_others.note(s, *p)) else {
            continue;
        };
        other_failures.push((*p, n));
    }
    // A `pick` or `type` question that a profile checked gives nothing to grade against
    // (the page grades under the profile it shows).
    let ungraded: Vec<quiz::Ungradable> = quiz::ungradable(&lesson)
        .into_iter()
        .filter(|u| u.profile == profile || others.contains(&u.profile))
        .collect();
    let out = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, out.lock());
    let (written, failures) = if trace {
        let result = Runner::from_lesson(lesson, profile, knobs, true).finish();
        for s in &result.steps {
            failed.note(s, profile);
        }
        let w = serde_json::to_writer(&mut out, &result).map_err(io::Error::from);
        (w, result.expect_failures)
    } else {
        write_results(
            &mut out,
            lesson,
            profile,
            knobs,
            &other_failures,
            &mut failed,
        )
    };
    if let Err(e) = written
        .and_then(|_| writeln!(out))
        .and_then(|_| out.flush())
    {
        eprintln!("cannot write the results: {e}");
        return ExitCode::from(2);
    }
    let total = failures + other_failures.iter().map(|(_, n)| n).sum::<usize>();
    if total > 0 {
        failed.print(&path);
        failed_others.print(&path);
        eprintln!("{total} expect failure(s)");
    }
    for u in &ungraded {
        eprintln!("{path}: {}", ungraded_line(u));
    }
    if total > 0 || !ungraded.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A question with nothing to grade against, as `run` and `check-builtins` name it.
fn ungraded_line(u: &quiz::Ungradable) -> String {
    format!(
        "step {} (steps[{}], {}) under {}: field `ask`: nothing to grade the answer against: {}",
        u.index + 1,
        u.index,
        u.op,
        u.profile,
        u.why
    )
}

/// The failed `expect`s, for stderr: the first few in full, then a count.
#[derive(Default)]
struct Failed {
    lines: Vec<String>,
    more: usize,
}

impl Failed {
    const SHOWN: usize = 20;

    fn note(&mut self, s: &ioasid_core::StepTrace, profile: Profile) {
        let Some(miss) = s.missed_expectation() else {
            return;
        };
        if self.lines.len() == Self::SHOWN {
            self.more += 1;
            return;
        }
        self.lines
            .push(format!("{} under {profile}: {miss}", step_name(s)));
    }

    fn print(&self, path: &str) {
        for l in &self.lines {
            eprintln!("{path}: {l}");
        }
        if self.more > 0 {
            eprintln!("{path}: ... and {} more", self.more);
        }
    }
}

/// `{"steps": [{"index", "op", "result", "kernel_log"}...], "expect_failures": N,
/// "other_profiles": {...}}`, streamed one step at a time.
fn write_results(
    out: &mut impl Write,
    lesson: Lesson,
    profile: Profile,
    knobs: ioasid_core::Knobs,
    others: &[(Profile, usize)],
    failed: &mut Failed,
) -> (io::Result<()>, usize) {
    let mut status = out.write_all(b"{\"steps\":[");
    let failures = run_streaming(lesson.steps, profile, knobs, |s| {
        failed.note(s, profile);
        if status.is_err() {
            return;
        }
        status = (|| {
            if s.index > 0 {
                out.write_all(b",")?;
            }
            write!(
                out,
                "{{\"index\":{},\"op\":\"{}\",\"result\":",
                s.index, s.op
            )?;
            serde_json::to_writer(&mut *out, &s.result)?;
            out.write_all(b",\"kernel_log\":")?;
            serde_json::to_writer(&mut *out, &s.kernel_log)?;
            out.write_all(b"}")
        })();
    });
    let others: serde_json::Map<String, serde_json::Value> = others
        .iter()
        .map(|(p, n)| (p.name().to_string(), (*n).into()))
        .collect();
    let status = status
        .and_then(|_| write!(out, "],\"expect_failures\":{failures},\"other_profiles\":"))
        .and_then(|_| serde_json::to_writer(&mut *out, &others).map_err(io::Error::from))
        .and_then(|_| out.write_all(b"}"));
    (status, failures)
}

fn check_builtins() -> ExitCode {
    let mut failed = false;
    for l in lessons::ALL {
        let lesson = match Lesson::parse(l.json) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("{}: {e}", l.id);
                failed = true;
                continue;
            }
        };
        let steps = lesson.steps.len();
        for check in check_expects(&lesson) {
            let p = check.profile;
            match check.misses {
                Ok(misses) if misses.is_empty() => {
                    println!("ok   {} under {p}: {steps} steps", l.id)
                }
                Ok(misses) => {
                    failed = true;
                    println!(
                        "FAIL {} under {p}: {} expect failure(s)",
                        l.id,
                        misses.len()
                    );
                    for m in &misses {
                        println!(
                            "     step {} (steps[{}], {}): {}",
                            m.index + 1,
                            m.index,
                            m.op,
                            m.miss
                        );
                    }
                }
                Err(e) => {
                    failed = true;
                    println!("FAIL {} under {p}: {e}", l.id);
                }
            }
        }
        // A question whose answer the model computes needs a step that gives one
        // under every profile.
        for u in quiz::ungradable(&lesson) {
            failed = true;
            println!("FAIL {}: {}", l.id, ungraded_line(&u));
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// "step 4 (steps[3], alloc)": counted from 1, then its index, as lesson errors say it.
fn step_name(s: &ioasid_core::StepTrace) -> String {
    format!("step {} (steps[{}], {})", s.index + 1, s.index, s.op)
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("ioasid-sim: {msg}\n{USAGE}");
    ExitCode::from(2)
}
