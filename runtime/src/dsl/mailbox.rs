//! The messages a process received in one round.

use crate::dsl::{ProcSet, ProcessId};

/// The messages received in one round, at most one per sender.
///
/// Iteration and every query visit senders in increasing id order.
#[derive(Clone, Debug)]
pub struct Mailbox<M> {
    slots: Vec<Option<M>>,
    len: usize,
}

impl<M> Default for Mailbox<M> {
    fn default() -> Self {
        Mailbox { slots: Vec::new(), len: 0 }
    }
}

impl<M> Mailbox<M> {
    /// An empty mailbox for a run of `n` processes.
    pub fn new(n: usize) -> Mailbox<M> {
        let mut slots = Vec::with_capacity(n);
        slots.resize_with(n, || None);
        Mailbox { slots, len: 0 }
    }

    /// Stores `m` from `from`. Returns `false` (and keeps the first message)
    /// if `from` already sent one this round, or if `from` is not in `0..n`.
    pub fn insert(&mut self, from: ProcessId, m: M) -> bool {
        match self.slots.get_mut(from.index()) {
            Some(slot @ None) => {
                *slot = Some(m);
                self.len += 1;
                true
            }
            _ => false,
        }
    }

    /// Empties the mailbox, resized for `n` processes.
    pub fn clear(&mut self, n: usize) {
        self.slots.iter_mut().for_each(|s| *s = None);
        self.slots.resize_with(n, || None);
        self.len = 0;
    }

    /// Number of messages.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether no message arrived.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Whether `p` sent a message.
    pub fn contains(&self, p: ProcessId) -> bool {
        self.get(p).is_some()
    }
    /// The message from `p`, if any.
    pub fn get(&self, p: ProcessId) -> Option<&M> {
        self.slots.get(p.index()).and_then(Option::as_ref)
    }
    /// The `(sender, message)` pairs, by increasing sender.
    pub fn iter(&self) -> impl Iterator<Item = (ProcessId, &M)> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, m)| m.as_ref().map(|m| (ProcessId::new(i), m)))
    }
    /// The messages, by increasing sender.
    pub fn values(&self) -> impl Iterator<Item = &M> + '_ {
        self.slots.iter().filter_map(Option::as_ref)
    }
    /// The senders (the heard-of set of this round).
    pub fn senders(&self) -> ProcSet {
        self.iter().map(|(p, _)| p).collect()
    }
    /// Number of messages satisfying `f`.
    pub fn count(&self, f: impl Fn(&M) -> bool) -> usize {
        self.values().filter(|m| f(m)).count()
    }
    /// Whether some message satisfies `f`.
    pub fn exists(&self, f: impl Fn(&M) -> bool) -> bool {
        self.values().any(f)
    }
    /// Whether every message satisfies `f` (true when empty).
    pub fn forall(&self, f: impl Fn(&M) -> bool) -> bool {
        self.values().all(f)
    }
    /// The message with the largest key; ties go to the smallest sender.
    /// `None` when empty.
    pub fn max_by_key<K: Ord>(&self, f: impl Fn(&M) -> K) -> Option<&M> {
        let mut best: Option<(K, &M)> = None;
        for m in self.values() {
            let k = f(m);
            if best.as_ref().is_none_or(|(bk, _)| k > *bk) {
                best = Some((k, m));
            }
        }
        best.map(|(_, m)| m)
    }
    /// The message with the smallest key; ties go to the smallest sender.
    /// `None` when empty.
    pub fn min_by_key<K: Ord>(&self, f: impl Fn(&M) -> K) -> Option<&M> {
        let mut best: Option<(K, &M)> = None;
        for m in self.values() {
            let k = f(m);
            if best.as_ref().is_none_or(|(bk, _)| k < *bk) {
                best = Some((k, m));
            }
        }
        best.map(|(_, m)| m)
    }
}

impl<M: Ord + Clone> Mailbox<M> {
    /// The most frequent payload, ties broken towards the smallest; `None`
    /// when the mailbox is empty.
    pub fn try_min_most_often(&self) -> Option<M> {
        let mut v: Vec<&M> = self.values().collect();
        v.sort();
        let mut best: Option<(&M, usize)> = None;
        let mut i = 0;
        while i < v.len() {
            let mut j = i;
            while j < v.len() && v[j] == v[i] {
                j += 1;
            }
            if best.is_none_or(|(_, c)| j - i > c) {
                best = Some((v[i], j - i));
            }
            i = j;
        }
        best.map(|(m, _)| m.clone())
    }

    /// The most frequent payload, ties broken towards the smallest.
    /// On an empty mailbox it returns `M::default()` (never panics); guard
    /// with `len()` when that matters, or use [`Mailbox::try_min_most_often`].
    pub fn min_most_often(&self) -> M
    where
        M: Default,
    {
        self.try_min_most_often().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(v: &[(usize, i64)]) -> Mailbox<i64> {
        let mut m = Mailbox::new(8);
        for &(p, x) in v {
            m.insert(ProcessId::new(p), x);
        }
        m
    }

    #[test]
    fn queries() {
        let m = mb(&[(0, 5), (2, 3), (3, 5), (5, 3), (6, 9)]);
        assert_eq!(m.len(), 5);
        assert!(m.contains(ProcessId::new(2)) && !m.contains(ProcessId::new(1)));
        assert_eq!(m.get(ProcessId::new(6)), Some(&9));
        assert_eq!(m.count(|&x| x == 5), 2);
        assert!(m.exists(|&x| x > 8) && !m.exists(|&x| x > 9));
        assert_eq!(m.min_most_often(), 3, "tie 3 vs 5 goes to the smallest");
        assert_eq!(m.max_by_key(|&x| x), Some(&9));
        assert_eq!(m.max_by_key(|&x| x % 2), Some(&5), "tie to smallest sender");
        let senders: Vec<usize> = m.iter().map(|(p, _)| p.index()).collect();
        assert_eq!(senders, vec![0, 2, 3, 5, 6]);
        assert_eq!(mb(&[(1, 4), (2, 4), (3, 1)]).min_most_often(), 4);
    }

    #[test]
    fn duplicates_and_strangers_rejected_and_empty_is_safe() {
        let mut m = Mailbox::new(2);
        assert!(m.insert(ProcessId::new(1), 1));
        assert!(!m.insert(ProcessId::new(1), 2));
        assert!(!m.insert(ProcessId::new(9), 2));
        assert_eq!(m.get(ProcessId::new(1)), Some(&1));
        let e: Mailbox<i64> = Mailbox::new(3);
        assert_eq!(e.min_most_often(), 0);
        assert_eq!(e.try_min_most_often(), None);
        assert_eq!(e.max_by_key(|&x| x), None);
    }
}
