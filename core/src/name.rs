//! Interned names: every set, mm, device, allocator or host name a lesson uses.
//!
//! A [`Name`] is a 4-byte handle into one process-wide table of texts, so it is
//! `Copy`, compares and hashes as an integer, and keeps the per-ID record small:
//! with 2^20 IDs allocated, every byte of [`crate::space::Entry`] is a megabyte.
//!
//! The table only grows: a text, once interned, stays for the life of the process
//! (a handful of bytes per distinct name a learner or lesson ever used). That is
//! what makes [`Name::as_str`] hand out `&'static str` and lets snapshots of any
//! age share one table with no bookkeeping.
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::ops::Deref;
use std::sync::{OnceLock, PoisonError, RwLock};

/// A name from a lesson, interned. Equality and hashing use the handle; ordering
/// uses the text, so maps keyed by names list them alphabetically.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Name(NonZeroU32);

struct Table {
    texts: Vec<&'static str>,
    index: HashMap<&'static str, NonZeroU32>,
}

/// The empty text's handle: the table starts with it, so `Name::default()` takes
/// no lock.
const EMPTY: NonZeroU32 = NonZeroU32::MIN;

fn table() -> &'static RwLock<Table> {
    static TABLE: OnceLock<RwLock<Table>> = OnceLock::new();
    TABLE.get_or_init(|| {
        RwLock::new(Table {
            texts: vec![""],
            index: HashMap::from([("", EMPTY)]),
        })
    })
}

impl Name {
    /// Interns `text`.
    ///
    /// Cost: one hash lookup under a read lock when the text is known; otherwise a
    /// write lock and one small allocation that is never freed.
    pub fn new(text: &str) -> Name {
        let lock = table();
        if let Some(&n) = lock
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .index
            .get(text)
        {
            return Name(n);
        }
        let mut t = lock.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(&n) = t.index.get(text) {
            return Name(n);
        }
        // Handles are 1-based so that `Option<Name>` is 4 bytes too. Past 2^32 - 1
        // distinct texts (about 4 billion) the last handle is reused rather than
        // failing: unreachable in practice, and never a panic.
        let n = u32::try_from(t.texts.len() + 1)
            .ok()
            .and_then(NonZeroU32::new)
            .unwrap_or(NonZeroU32::MAX);
        let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
        t.texts.push(leaked);
        t.index.insert(leaked, n);
        Name(n)
    }

    /// True if `text` has been interned, i.e. it names something in some lesson.
    pub fn is_known(text: &str) -> bool {
        table()
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .index
            .contains_key(text)
    }

    /// The text.
    ///
    /// Cost: a read lock and an index.
    pub fn as_str(self) -> &'static str {
        let t = table().read().unwrap_or_else(PoisonError::into_inner);
        t.texts
            .get(self.0.get() as usize - 1)
            .copied()
            .unwrap_or("")
    }
}

impl Default for Name {
    /// The empty name.
    fn default() -> Self {
        Name(EMPTY)
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Self {
        Name::new(text)
    }
}

impl From<String> for Name {
    fn from(text: String) -> Self {
        Name::new(&text)
    }
}

impl From<&String> for Name {
    fn from(text: &String) -> Self {
        Name::new(text)
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.0 == other.0 {
            return Ordering::Equal;
        }
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        // Names are interned for good: a lesson's are short (checked before interning).
        let max = crate::lesson::MAX_NAME_CHARS;
        if text.len() > max && text.chars().count() > max {
            return Err(serde::de::Error::custom(format!(
                "a name has at most {max} characters; this one has {}",
                text.chars().count()
            )));
        }
        Ok(Name::new(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_same_handle_and_order_by_text() {
        let a = Name::new("zeta-test");
        let b = Name::from(String::from("zeta-test"));
        assert_eq!(a, b);
        assert_eq!(&*a, "zeta-test");
        let c = Name::new("alpha-test");
        assert_eq!(Name::default(), Name::new(""));
        assert_ne!(a, c);
        // Interned later, yet ordered first: the order is the text's.
        assert!(c < a);
        assert_eq!(std::mem::size_of::<Option<Name>>(), 4);
    }

    #[test]
    fn serde_round_trip_is_the_text() {
        let n = Name::new("mm \"A\"");
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, r#""mm \"A\"""#);
        let back: Name = serde_json::from_str(&json).unwrap();
        assert_eq!(back, n);
    }

    #[test]
    fn names_are_shared_across_threads() {
        let n = Name::new("from-another-thread");
        let text = std::thread::spawn(move || n.to_string()).join().unwrap();
        assert_eq!(text, "from-another-thread");
    }
}
