//! A lesson file as text, read the same way by the command line and the browser: its
//! bytes decoded (a UTF-8 byte-order mark accepted, invalid UTF-8 refused with its byte
//! position), every JSON object checked for a key written twice, the bounds on its
//! fields, and the user's text quoted in a message (short, control characters escaped).
use super::LessonError;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::Write as _;

/// A question has at most this many choices: the keys 1 to 9 answer it.
pub const MAX_CHOICES: usize = 9;
/// The most characters in a name: an op, an `as`, and every name an op takes (a set,
/// an mm, a device, an allocator, ...).
pub const MAX_NAME_CHARS: usize = 64;
/// The most characters in a short text: `title`, a step's `thread`, one of a
/// question's `choices`.
pub const MAX_SHORT_TEXT_CHARS: usize = 200;
/// The most characters in a text: `summary`, a step's `say`, a question's `prompt`
/// and `explain`.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// The most characters in a long text: `intro` and `outro`.
pub const MAX_LONG_TEXT_CHARS: usize = 20_000;

/// The most characters of the user's text a message quotes (see [`quote`]).
pub const MAX_QUOTED_CHARS: usize = 40;
/// The most characters in a mistake's message; its field and op are quoted.
pub const MAX_MESSAGE_CHARS: usize = 600;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of a lesson file: its bytes as UTF-8, without a leading byte-order mark.
///
/// Contract: the command line and the browser both read a file through it, so that
/// they accept and refuse the same files. Fails, naming the byte position (counted
/// from 0 in the file, the mark included) and its line, when the bytes are not UTF-8.
pub fn decode(bytes: &[u8]) -> Result<&str, LessonError> {
    let skip = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let body = &bytes[skip..];
    std::str::from_utf8(body).map_err(|e| {
        let at = e.valid_up_to();
        let line = 1 + body[..at].iter().filter(|&&b| b == b'\n').count();
        let byte = body.get(at).copied().unwrap_or_default();
        LessonError {
            step: None,
            op: None,
            field: None,
            message: format!(
                "not UTF-8 text: byte {} (0x{byte:02X}, on line {line}) is not valid UTF-8; save the file as UTF-8",
                at + skip
            ),
        }
    })
}

/// [`decode`], keeping the bytes: the text without its byte-order mark, or the same
/// mistake as `decode`.
pub fn decode_owned(mut bytes: Vec<u8>) -> Result<String, LessonError> {
    decode(&bytes)?;
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    String::from_utf8(bytes).map_err(|_| LessonError {
        step: None,
        op: None,
        field: None,
        message: "not UTF-8 text".into(),
    })
}

/// `text` without a leading byte-order mark (as a browser's decoder leaves it out).
pub(super) fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// At most [`MAX_QUOTED_CHARS`] of the user's `text`, with control characters escaped
/// (`\n`, `\u{1b}`), and `…` where it was cut: safe to put in a one-line message.
pub fn quote(text: &str) -> String {
    clip(text, MAX_QUOTED_CHARS)
}

/// `text` with control characters escaped, cut to `max` characters (the first and the
/// last part kept, with the count left out between them).
pub(super) fn clip(text: &str, max: usize) -> String {
    let mut out = String::new();
    let total = text.chars().count();
    if total <= max {
        text.chars().for_each(|c| escape_into(&mut out, c));
        return out;
    }
    // A short tail too, so that a message's last words (its hint) stay.
    let tail = max / 4;
    let head = max - tail;
    text.chars()
        .take(head)
        .for_each(|c| escape_into(&mut out, c));
    let _ = write!(out, "… ({} characters left out) …", total - head - tail);
    text.chars()
        .skip(total - tail)
        .for_each(|c| escape_into(&mut out, c));
    out
}

fn escape_into(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

impl LessonError {
    /// The mistake as it is shown: its op and field quoted (control characters escaped,
    /// cut to [`MAX_NAME_CHARS`] and a little), its message cut to
    /// [`MAX_MESSAGE_CHARS`].
    pub(super) fn tidied(self) -> LessonError {
        let tidy = |s: String, max| {
            if s.len() <= max && !s.chars().any(|c| c.is_control()) {
                s
            } else {
                clip(&s, max)
            }
        };
        LessonError {
            step: self.step,
            op: self.op.map(|o| tidy(o, MAX_NAME_CHARS)),
            field: self.field.map(|f| tidy(f, MAX_NAME_CHARS * 2)),
            message: tidy(self.message, MAX_MESSAGE_CHARS),
        }
    }
}

/// A text field over its bound: "title: 250 characters, more than the 200 a title may
/// have", or `None`.
pub(super) fn over_bound(text: &str, max: usize, what: &str) -> Option<String> {
    // Bytes first: a text of no more bytes than `max` has no more characters.
    if text.len() <= max {
        return None;
    }
    let n = text.chars().count();
    (n > max).then(|| format!("{n} characters, more than the {max} {what} may have"))
}

/// The first keys written twice in one JSON object of `text` (up to `limit`), each as
/// a mistake naming where: the step and the path in it (`ask` key `answer`), or the
/// lesson's own field. One pass over the bytes, without building values (a scan, not
/// a parse: the browser build keeps no second JSON reader for it). Text that is not
/// JSON is left to the parser: the scan stops where a string does not end.
pub(super) fn duplicate_keys(text: &str, limit: usize) -> Vec<LessonError> {
    /// An open object (its keys so far, and the key whose value is being read) or
    /// array (the index of the element being read).
    enum Open<'t> {
        Object(HashSet<Cow<'t, str>>, Option<Cow<'t, str>>),
        Array(usize),
    }
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    let mut i = 0;
    while i < b.len() && found.len() < limit {
        match b[i] {
            b'"' => {
                let (start, mut j, mut escaped) = (i + 1, i + 1, false);
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' {
                        escaped = true;
                        j += 1;
                    }
                    j += 1;
                }
                if j >= b.len() {
                    break;
                }
                i = j + 1;
                let mut k = i;
                while k < b.len() && b[k].is_ascii_whitespace() {
                    k += 1;
                }
                let Some(Open::Object(keys, current)) = open.last_mut() else {
                    continue;
                };
                if b.get(k) != Some(&b':') {
                    continue;
                }
                // Quotes are ASCII, so both ends are character boundaries.
                let key: Cow<str> = if escaped {
                    serde_json::from_str::<String>(&text[start - 1..=j])
                        .map_or(Cow::Borrowed(&text[start..j]), Cow::Owned)
                } else {
                    Cow::Borrowed(&text[start..j])
                };
                let twice = !keys.insert(key.clone());
                *current = Some(key.clone());
                if twice {
                    let depth = open.len() - 1;
                    let path: Vec<Seg> = open[..depth]
                        .iter()
                        .map(|o| match o {
                            Open::Object(_, k) => Seg::Key(k.as_deref().unwrap_or("").to_string()),
                            Open::Array(n) => Seg::Index(*n),
                        })
                        .collect();
                    found.push(note(&path, &key));
                }
                i = k + 1;
            }
            b'{' => {
                open.push(Open::Object(HashSet::new(), None));
                i += 1;
            }
            b'[' => {
                open.push(Open::Array(0));
                i += 1;
            }
            b'}' | b']' => {
                open.pop();
                i += 1;
            }
            b',' => {
                if let Some(Open::Array(n)) = open.last_mut() {
                    *n += 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    found
}

/// One segment of a JSON path.
enum Seg {
    Key(String),
    Index(usize),
}

/// The mistake for `key`, written twice in the object at `path`.
fn note(path: &[Seg], key: &str) -> LessonError {
    // `steps[i]...`: the step, and the path inside it.
    let (step, rest) = match path {
        [Seg::Key(s), Seg::Index(i), rest @ ..] if s == "steps" => (Some(*i), rest),
        all => (None, all),
    };
    let mut field = String::new();
    for seg in rest {
        match seg {
            Seg::Key(k) => {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(k);
            }
            Seg::Index(i) => {
                let _ = write!(field, "[{i}]");
            }
        }
    }
    let whose = if field.is_empty() {
        String::new()
    } else {
        format!(" in `{}`", clip(&field, MAX_NAME_CHARS))
    };
    let key = quote(key);
    let full = if field.is_empty() {
        key.clone()
    } else {
        format!("{field}.{key}")
    };
    LessonError {
        step,
        op: None,
        field: Some(clip(&full, MAX_NAME_CHARS * 2)),
        message: format!(
            "the key `{key}` is written twice{whose}: each key may appear once in an object (JSON readers would keep only one of them)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_skipped_and_bad_bytes_are_placed() {
        assert_eq!(decode(b"\xEF\xBB\xBF{}"), Ok("{}"));
        assert_eq!(decode(b"{}"), Ok("{}"));
        assert_eq!(
            decode_owned(b"\xEF\xBB\xBF{}".to_vec()),
            Ok("{}".to_string())
        );
        assert!(decode_owned(b"\xEF\xBB\xBF{\xFF}".to_vec()).is_err());
        let e = decode(b"{\"a\":\n\"b\xFF\"}").unwrap_err();
        assert!(e.message.contains("byte 8 (0xFF, on line 2)"), "{e}");
        // The position counts the mark: it is the file's byte.
        let e = decode(b"\xEF\xBB\xBF{\xC3}").unwrap_err();
        assert!(e.message.contains("byte 4 (0xC3"), "{e}");
    }

    #[test]
    fn a_quote_is_short_and_on_one_line() {
        assert_eq!(quote("a\nb\u{1b}"), "a\\nb\\u{1b}");
        let long = "x".repeat(10_000);
        let q = quote(&long);
        assert!(q.chars().count() < 2 * MAX_QUOTED_CHARS, "{q}");
        assert!(q.contains("characters left out"), "{q}");
        assert_eq!(quote("short"), "short");
    }

    #[test]
    fn a_key_written_twice_is_placed() {
        let found = duplicate_keys(
            r#"{"title": "a", "steps": [{"op": "x"}, {"op": "alloc", "ask": {"answer": 1, "answer": 2}}], "title": "b"}"#,
            10,
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].step, Some(1));
        assert_eq!(found[0].field.as_deref(), Some("ask.answer"));
        assert!(found[0]
            .message
            .contains("`answer` is written twice in `ask`"));
        assert_eq!(found[1].step, None);
        assert_eq!(found[1].field.as_deref(), Some("title"));
        assert!(duplicate_keys(r#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#, 10).is_empty());
        // Many keys (the set is used), one twice.
        let keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\": 1")).collect();
        let text = format!("{{{}, \"k3\": 2}}", keys.join(", "));
        assert_eq!(duplicate_keys(&text, 10).len(), 1);
    }
}
