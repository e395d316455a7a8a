//! A byte budget shared between the producer and the consumer of a queue:
//! the producer takes bytes before queueing (and drops what does not fit),
//! the consumer gives them back once it has taken the item out.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes in use out of a fixed capacity; clones share the count.
#[derive(Clone, Debug)]
pub(crate) struct ByteBudget {
    used: Arc<AtomicUsize>,
    cap: usize,
}

impl ByteBudget {
    pub(crate) fn new(cap: usize) -> ByteBudget {
        ByteBudget { used: Arc::new(AtomicUsize::new(0)), cap }
    }

    /// Takes `n` bytes if they fit; `false` (and nothing taken) otherwise.
    pub(crate) fn try_take(&self, n: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| u.checked_add(n).filter(|&t| t <= self.cap))
            .is_ok()
    }

    /// Gives back `n` bytes taken earlier.
    pub(crate) fn release(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::AcqRel);
    }

    /// Bytes currently taken.
    #[cfg(test)]
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_what_fits_and_gets_it_back() {
        let b = ByteBudget::new(100);
        let c = b.clone();
        assert!(b.try_take(60));
        assert!(!c.try_take(41), "the clone sees the same count");
        assert!(c.try_take(40));
        assert!(!b.try_take(1));
        assert!(!b.try_take(usize::MAX), "no overflow");
        b.release(60);
        assert_eq!(c.used(), 40);
        assert!(b.try_take(60));
    }
}
