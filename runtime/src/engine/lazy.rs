//! The instances an event loop started lazily (through the default handler)
//! on behalf of each sender, at most `limit` per sender: a newer lazy start
//! stops that sender's oldest one. A flood of instance ids from one peer
//! thus keeps at most `limit` instances alive, while a busy leader whose
//! older instances linger still gets its newest ones joined.

use std::collections::{HashMap, VecDeque};

pub(crate) struct LazyStarts {
    limit: usize,
    /// Running lazily started instances and their sender.
    owner: HashMap<u64, usize>,
    /// Per sender, ids in start order (finished ones are skipped lazily).
    order: Vec<VecDeque<u64>>,
    count: Vec<usize>,
}

/// No lazy start is allowed at all (a limit of 0).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refused;

impl LazyStarts {
    pub(crate) fn new(n: usize, limit: usize) -> LazyStarts {
        LazyStarts { limit, owner: HashMap::new(), order: vec![VecDeque::new(); n], count: vec![0; n] }
    }

    /// Records that `id` starts on behalf of sender `q`. Returns the oldest
    /// instance of `q` to stop when `q` is at its limit; the caller stops it
    /// (and calls [`LazyStarts::finished`] for it).
    pub(crate) fn admit(&mut self, id: u64, q: usize) -> Result<Option<u64>, Refused> {
        if self.limit == 0 || q >= self.count.len() {
            return Err(Refused);
        }
        let mut evict = None;
        if self.count[q] >= self.limit {
            while let Some(old) = self.order[q].pop_front() {
                if self.owner.get(&old) == Some(&q) {
                    evict = Some(old);
                    break;
                }
            }
        }
        self.owner.insert(id, q);
        self.count[q] += 1;
        self.order[q].push_back(id);
        if self.order[q].len() > 2 * self.limit {
            // Drop the finished ids, so the queue stays within twice the limit.
            let owner = &self.owner;
            self.order[q].retain(|i| owner.get(i) == Some(&q));
        }
        Ok(evict)
    }

    /// `id` ended (if it was started lazily, its sender has room again).
    pub(crate) fn finished(&mut self, id: u64) {
        if let Some(q) = self.owner.remove(&id) {
            self.count[q] -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_running_instance_of_the_sender_makes_room() {
        let mut l = LazyStarts::new(3, 2);
        assert_eq!(l.admit(10, 1), Ok(None));
        assert_eq!(l.admit(11, 1), Ok(None));
        assert_eq!(l.admit(20, 2), Ok(None), "another sender has its own room");
        assert_eq!(l.admit(12, 1), Ok(Some(10)));
        l.finished(10);
        l.finished(11);
        assert_eq!(l.admit(13, 1), Ok(None), "a finished instance frees its place");
        assert_eq!(l.admit(14, 1), Ok(Some(12)), "finished ids are skipped");
        l.finished(12);
        for i in 100..1000 {
            if let Ok(Some(old)) = l.admit(i, 1) {
                l.finished(old);
            }
        }
        assert!(l.order[1].len() <= 4 && l.count[1] == 2);
        assert_eq!(LazyStarts::new(3, 0).admit(1, 1), Err(Refused));
        assert_eq!(l.admit(1, 7), Err(Refused), "not a sender");
    }
}
