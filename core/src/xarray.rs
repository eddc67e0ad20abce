//! Temporary stand-in (BTreeMap) with the radix tree's API, replaced by the real one.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct XaVisit {
    pub level: u8,
    pub base: u32,
    pub shift: u8,
    pub free_marks: u64,
    pub slot: u8,
    pub backtracked: bool,
}
#[derive(Clone, Debug)]
pub struct XArray<T> {
    m: BTreeMap<u32, T>,
}
impl<T: Clone> Default for XArray<T> {
    fn default() -> Self {
        Self { m: BTreeMap::new() }
    }
}
impl<T: Clone> XArray<T> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        self.m.len()
    }
    pub fn is_empty(&self) -> bool {
        self.m.is_empty()
    }
    pub fn get(&self, k: u32) -> Option<&T> {
        self.m.get(&k)
    }
    pub fn contains(&self, k: u32) -> bool {
        self.m.contains_key(&k)
    }
    pub fn get_mut(&mut self, k: u32) -> Option<&mut T> {
        self.m.get_mut(&k)
    }
    pub fn insert(&mut self, k: u32, v: T) -> Result<(), T> {
        if let std::collections::btree_map::Entry::Vacant(e) = self.m.entry(k) {
            e.insert(v);
            Ok(())
        } else {
            Err(v)
        }
    }
    pub fn remove(&mut self, k: u32) -> Option<T> {
        self.m.remove(&k)
    }
    pub fn find_free(&self, min: u32, max: u32, _p: Option<&mut Vec<XaVisit>>) -> Option<u32> {
        if min > max {
            return None;
        }
        let mut c = min;
        for (&k, _) in self.m.range(min..=max) {
            if k != c {
                return Some(c);
            }
            if c == max {
                return None;
            }
            c += 1;
        }
        Some(c)
    }
    pub fn alloc(&mut self, min: u32, max: u32, v: T, p: Option<&mut Vec<XaVisit>>) -> Option<u32> {
        let id = self.find_free(min, max, p)?;
        self.m.insert(id, v);
        Some(id)
    }
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.m.iter().map(|(k, v)| (*k, v))
    }
    pub fn range(&self, lo: u32, hi: u32) -> impl Iterator<Item = (u32, &T)> {
        self.m.range(lo..=hi).map(|(k, v)| (*k, v))
    }
    pub fn count_in(&self, lo: u32, hi: u32) -> usize {
        self.m.range(lo..=hi).count()
    }
    pub fn height(&self) -> u8 {
        0
    }
}
