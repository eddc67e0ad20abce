//! The URL's query string: which lesson (or an encoded custom run), profile, knobs and step
//! are shown, so a link opens exactly that step. Pure text handling: [`crate::link`] gives
//! the values their meaning, and the app reads and writes `location.search` in
//! `hooks::use_url_state`.
//!
//! `?lesson=01-first-fit&profile=improved&knobs=flaw_free_any_owner:0&step=5`
//! - `lesson`: a built-in lesson's id;
//! - `run`: instead of `lesson`, a whole lesson as base64url JSON (an imported lesson);
//! - `extra`: sandbox steps appended to the lesson, as base64url of a JSON array of steps;
//! - `profile`: a profile name; `knobs`: `name:value` pairs (`0`/`1` for booleans);
//! - `step`: the step shown, as on screen ("Step 5 of 8"), 0 for the start;
//! - `z`: instead of `run` and `extra`, both compressed (deflate-raw, base64url): the app
//!   writes its links to a run this way, after `#`, where no server sees them.
//!
//! The same text after `#` (a fragment) is read as a query is: `#step=5&z=...`.
//! A key given twice counts once, the first time; the others are noted.
use serde_json::{Map, Value};

/// The app's state as the URL carries it (raw text; the app validates it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UrlState {
    pub lesson: Option<String>,
    pub run: Option<String>,
    pub extra: Option<String>,
    pub profile: Option<String>,
    pub knobs: Option<String>,
    pub step: Option<String>,
    pub z: Option<String>,
    /// What the query gave more than once, said for the learner (the first one counts).
    pub notes: Vec<String>,
}

const KEYS: [&str; 7] = ["lesson", "run", "extra", "profile", "knobs", "step", "z"];

impl UrlState {
    /// Parses a query string (with or without its leading `?`). Unknown keys are listed in
    /// the second value so the app can say it ignored them.
    pub fn parse(query: &str) -> (UrlState, Vec<String>) {
        let mut s = UrlState::default();
        let mut unknown = Vec::new();
        let query = query.strip_prefix('?').unwrap_or(query);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(k).unwrap_or_default();
            let Some(value) = percent_decode(v) else {
                unknown.push(format!("{key} (not valid percent-encoding)"));
                continue;
            };
            let slot = match key.as_str() {
                "lesson" => &mut s.lesson,
                "run" => &mut s.run,
                "extra" => &mut s.extra,
                "profile" => &mut s.profile,
                "knobs" => &mut s.knobs,
                "step" => &mut s.step,
                "z" => &mut s.z,
                _ => {
                    unknown.push(key);
                    continue;
                }
            };
            match slot {
                None => *slot = Some(value),
                Some(first) => {
                    let first = first.clone();
                    let shown = |v: &str| {
                        if v.chars().count() > 24 {
                            format!("{}…", v.chars().take(24).collect::<String>())
                        } else {
                            v.to_string()
                        }
                    };
                    s.notes.push(format!(
                        "The link gives `{key}` more than once; the first (`{}`) was used, not `{}`.",
                        shown(&first),
                        shown(&value)
                    ));
                }
            }
        }
        (s, unknown)
    }

    /// The query string, with its leading `?` (empty when nothing is set).
    pub fn to_query(&self) -> String {
        let values = [
            &self.lesson,
            &self.run,
            &self.extra,
            &self.profile,
            &self.knobs,
            &self.step,
            &self.z,
        ];
        let parts: Vec<String> = KEYS
            .iter()
            .zip(values)
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", percent_encode(v))))
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// `name:value` pairs, comma separated, as a knob override map. `0`/`1`/`true`/`false` are
/// booleans; anything else is a string (the `refs` era). Errors name the bad pair.
pub fn parse_knobs(text: &str) -> Result<Map<String, Value>, String> {
    let mut m = Map::new();
    for item in text.split(',').filter(|i| !i.is_empty()) {
        let Some((k, v)) = item.split_once(':') else {
            return Err(format!("`{item}` is not name:value"));
        };
        if k.is_empty() || v.is_empty() {
            return Err(format!("`{item}` is not name:value"));
        }
        let value = match v {
            "1" | "true" => Value::Bool(true),
            "0" | "false" => Value::Bool(false),
            other => Value::String(other.to_string()),
        };
        m.insert(k.to_string(), value);
    }
    Ok(m)
}

/// The inverse of [`parse_knobs`] (booleans as `0`/`1`); `None` for no overrides.
pub fn format_knobs(knobs: &Map<String, Value>) -> Option<String> {
    if knobs.is_empty() {
        return None;
    }
    let parts: Vec<String> = knobs
        .iter()
        .map(|(k, v)| match v {
            Value::Bool(true) => format!("{k}:1"),
            Value::Bool(false) => format!("{k}:0"),
            Value::String(s) => format!("{k}:{s}"),
            other => format!("{k}:{other}"),
        })
        .collect();
    Some(parts.join(","))
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':' | b',')
}

/// Percent-encodes every byte but the unreserved ones (and `:` `,`, legal in a query).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (a space); `None` on a broken escape or bad UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_a_query() {
        let (s, unknown) = UrlState::parse("?lesson=01-first-fit&profile=v5.5&step=3&x=1");
        assert_eq!(s.lesson.as_deref(), Some("01-first-fit"));
        assert_eq!(s.profile.as_deref(), Some("v5.5"));
        assert_eq!(s.step.as_deref(), Some("3"));
        assert_eq!(unknown, vec!["x".to_string()]);
        assert_eq!(s.to_query(), "?lesson=01-first-fit&profile=v5.5&step=3");
        assert_eq!(UrlState::default().to_query(), "");
    }

    #[test]
    fn a_repeated_key_counts_once_and_is_noted() {
        let (s, unknown) = UrlState::parse("?step=5&lesson=02-sets&step=7&step=8");
        assert_eq!(s.step.as_deref(), Some("5"));
        assert!(unknown.is_empty());
        assert_eq!(s.notes.len(), 2, "{:?}", s.notes);
        assert!(
            s.notes[0].contains("`step` more than once"),
            "{:?}",
            s.notes
        );
        assert!(
            s.notes[0].contains("(`5`) was used, not `7`"),
            "{:?}",
            s.notes
        );
        let (s, _) = UrlState::parse("?step=1");
        assert!(s.notes.is_empty());
    }

    #[test]
    fn survives_hostile_input() {
        let (s, unknown) = UrlState::parse("step=%ZZ&lesson=%3Cscript%3E&&=&profile");
        assert_eq!(s.step, None);
        assert_eq!(s.lesson.as_deref(), Some("<script>"));
        assert_eq!(s.profile.as_deref(), Some(""));
        assert_eq!(unknown.len(), 2);
        assert_eq!(percent_decode("%e2%82"), None);
        assert_eq!(percent_encode("a b&c"), "a%20b%26c");
    }

    #[test]
    fn knobs_round_trip() {
        let m = parse_knobs("ext_sets:1,flaw_free_any_owner:0,refs:get_put").unwrap();
        assert_eq!(m["ext_sets"], Value::Bool(true));
        assert_eq!(m["refs"], Value::String("get_put".into()));
        let text = format_knobs(&m).unwrap();
        assert_eq!(parse_knobs(&text).unwrap(), m);
        assert!(parse_knobs("nonsense").is_err());
        assert!(parse_knobs(":1").is_err());
        assert_eq!(format_knobs(&Map::new()), None);
    }
}
