//! A map that keeps only its most recently inserted keys, within a count and
//! a byte budget: the decision log and the tombstones of stopped instances.

use std::collections::{HashMap, VecDeque};

/// Bytes an entry costs beyond its value (hash map slot, order queue slot,
/// allocator header), so that many small values are bounded too.
pub(crate) const ENTRY_OVERHEAD: usize = 64;

pub(crate) struct BoundedMap<V> {
    cap: usize,
    byte_cap: usize,
    bytes: usize,
    map: HashMap<u64, (V, usize)>,
    order: VecDeque<u64>,
    /// The highest key it dropped: evicted, or refused as too large.
    dropped: Option<u64>,
}

impl<V> BoundedMap<V> {
    /// At most `cap` entries costing at most `byte_cap` bytes together.
    pub(crate) fn new(cap: usize, byte_cap: usize) -> BoundedMap<V> {
        BoundedMap { cap, byte_cap, bytes: 0, map: HashMap::new(), order: VecDeque::new(), dropped: None }
    }

    /// Inserts `id` with a value of `size` bytes, forgetting the oldest keys
    /// beyond the capacity or the byte budget. A value larger than the whole
    /// budget is not kept.
    pub(crate) fn insert(&mut self, id: u64, v: V, size: usize) {
        let cost = size.saturating_add(ENTRY_OVERHEAD);
        if self.cap == 0 || cost > self.byte_cap {
            self.note_dropped(id);
            return;
        }
        match self.map.insert(id, (v, cost)) {
            Some((_, old)) => self.bytes -= old,
            None => self.order.push_back(id),
        }
        self.bytes += cost;
        while self.order.len() > self.cap || self.bytes > self.byte_cap {
            let Some(old) = self.order.pop_front() else { break };
            if let Some((_, c)) = self.map.remove(&old) {
                self.bytes -= c;
            }
            self.note_dropped(old);
        }
    }

    fn note_dropped(&mut self, id: u64) {
        self.dropped = Some(self.dropped.map_or(id, |d| d.max(id)));
    }

    /// The highest key it dropped to stay within its bounds (evicted, or
    /// refused as larger than the whole byte budget), if any.
    pub(crate) fn max_dropped(&self) -> Option<u64> {
        self.dropped
    }

    pub(crate) fn get(&self, id: &u64) -> Option<&V> {
        self.map.get(id).map(|(v, _)| v)
    }

    pub(crate) fn contains(&self, id: &u64) -> bool {
        self.map.contains_key(id)
    }

    /// The entries, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.order.iter().filter_map(|id| self.map.get(id).map(|(v, _)| (*id, v)))
    }

    /// The bytes the entries cost (values and overhead).
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_recent_keys() {
        let mut m = BoundedMap::new(3, usize::MAX);
        for i in 0..10u64 {
            m.insert(i, i * 2, 0);
        }
        assert!(!m.contains(&6) && m.contains(&7) && m.contains(&9));
        assert_eq!(m.max_dropped(), Some(6), "the newest evicted key");
        assert_eq!(m.get(&8), Some(&16));
        m.insert(9, 0, 0);
        assert!(m.contains(&7), "re-inserting a key does not evict");
        let mut z = BoundedMap::new(0, usize::MAX);
        z.insert(1, (), 0);
        assert!(!z.contains(&1));
    }

    #[test]
    fn the_byte_budget_evicts_the_oldest_and_refuses_what_cannot_fit() {
        let mut m = BoundedMap::new(1000, 10 * (100 + ENTRY_OVERHEAD));
        for i in 0..25u64 {
            m.insert(i, (), 100);
        }
        assert!(!m.contains(&14) && m.contains(&15) && m.contains(&24), "ten values of 100 bytes fit");
        assert_eq!(m.bytes(), 10 * (100 + ENTRY_OVERHEAD));
        m.insert(30, (), 450);
        assert!(!m.contains(&18) && m.contains(&19), "a bigger value evicts enough old ones");
        assert!(m.bytes() <= 10 * (100 + ENTRY_OVERHEAD));
        m.insert(24, (), 0);
        assert_eq!(m.bytes(), 5 * (100 + ENTRY_OVERHEAD) + 450 + 2 * ENTRY_OVERHEAD, "re-inserting re-weighs");
        m.insert(99, (), 1 << 20);
        assert!(!m.contains(&99) && m.contains(&30), "a value over the whole budget is not kept and evicts nothing");
        assert_eq!(m.max_dropped(), Some(99), "the refused key counts as dropped");
    }
}
