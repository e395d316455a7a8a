//! A map that keeps only its `cap` most recently inserted keys: the decision
//! log and the tombstones of stopped instances.

use std::collections::{HashMap, VecDeque};

pub(crate) struct BoundedMap<V> {
    cap: usize,
    map: HashMap<u64, V>,
    order: VecDeque<u64>,
}

impl<V> BoundedMap<V> {
    pub(crate) fn new(cap: usize) -> BoundedMap<V> {
        BoundedMap { cap, map: HashMap::new(), order: VecDeque::new() }
    }

    /// Inserts `id`, forgetting the oldest keys beyond the capacity.
    pub(crate) fn insert(&mut self, id: u64, v: V) {
        if self.cap == 0 {
            return;
        }
        if self.map.insert(id, v).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
    }

    pub(crate) fn get(&self, id: &u64) -> Option<&V> {
        self.map.get(id)
    }

    pub(crate) fn contains(&self, id: &u64) -> bool {
        self.map.contains_key(id)
    }

    /// The entries, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.order.iter().filter_map(|id| self.map.get(id).map(|v| (*id, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_recent_keys() {
        let mut m = BoundedMap::new(3);
        for i in 0..10u64 {
            m.insert(i, i * 2);
        }
        assert!(!m.contains(&6) && m.contains(&7) && m.contains(&9));
        assert_eq!(m.get(&8), Some(&16));
        m.insert(9, 0);
        assert!(m.contains(&7), "re-inserting a key does not evict");
        let mut z = BoundedMap::new(0);
        z.insert(1, ());
        assert!(!z.contains(&1));
    }
}
