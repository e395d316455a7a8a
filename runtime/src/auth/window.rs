//! The replay window of one sender: the highest (incarnation, counter)
//! accepted and which of the `WINDOW` counters below it were seen.

/// Counters accepted below the highest one seen (reordering tolerated).
pub const WINDOW: u64 = 1024;
const WORDS: usize = (WINDOW / 64) as usize;

/// Accepts each (incarnation, counter) at most once; a later incarnation
/// (the sender restarted) resets the window, an earlier one is refused.
#[derive(Clone, Debug, Default)]
pub struct ReplayWindow {
    incarnation: u64,
    top: u64,
    seen: [u64; WORDS],
}

impl ReplayWindow {
    fn bit(c: u64) -> (usize, u64) {
        (((c % WINDOW) / 64) as usize, 1u64 << (c % 64))
    }

    /// Whether `(incarnation, counter)` is new; if so it is marked seen.
    /// Call only after the packet's tag was verified, so that forgeries
    /// cannot move the window.
    pub fn accept(&mut self, incarnation: u64, counter: u64) -> bool {
        if incarnation < self.incarnation || counter == 0 {
            return false;
        }
        if incarnation > self.incarnation {
            *self = ReplayWindow { incarnation, ..ReplayWindow::default() };
        }
        if counter > self.top {
            if counter - self.top >= WINDOW {
                self.seen = [0; WORDS];
            } else {
                // The slots of the counters now entering the window held
                // counters that have just left it.
                for c in self.top + 1..=counter {
                    let (w, b) = Self::bit(c);
                    self.seen[w] &= !b;
                }
            }
            self.top = counter;
        } else if self.top - counter >= WINDOW {
            return false;
        }
        let (w, b) = Self::bit(counter);
        if self.seen[w] & b != 0 {
            return false;
        }
        self.seen[w] |= b;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_each_counter_once_within_the_window() {
        let mut w = ReplayWindow::default();
        assert!(w.accept(5, 1));
        assert!(!w.accept(5, 1), "replay of the newest");
        assert!(w.accept(5, 3));
        assert!(w.accept(5, 2), "reordered but new");
        assert!(!w.accept(5, 2) && !w.accept(5, 3));
        assert!(w.accept(5, 3 + WINDOW - 1));
        assert!(!w.accept(5, 3), "seen, still inside the window");
        assert!(!w.accept(5, 2), "below the floor");
        assert!(w.accept(5, 10_000));
        assert!(!w.accept(5, 10_000 - WINDOW), "below the floor after a jump");
        assert!(w.accept(5, 10_000 - WINDOW + 1), "inside the window after a jump, never seen");
        assert!(!w.accept(5, 0), "counters start at 1");
    }

    #[test]
    fn a_new_incarnation_resets_and_an_old_one_is_refused() {
        let mut w = ReplayWindow::default();
        assert!(w.accept(5, 100));
        assert!(w.accept(6, 1), "the sender restarted");
        assert!(!w.accept(5, 101), "the previous incarnation is over");
        assert!(!w.accept(6, 1));
        assert!(w.accept(6, 2));
    }

    #[test]
    fn matches_a_set_model_on_a_pseudo_random_sequence() {
        let mut w = ReplayWindow::default();
        let mut seen = std::collections::BTreeSet::new();
        let mut top = 0u64;
        let mut x: u64 = 0x9e3779b97f4a7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let c = (top + 8).saturating_sub(x % 1500).max(1);
            let expect = !seen.contains(&c) && c + WINDOW > top;
            assert_eq!(w.accept(1, c), expect, "counter {c}, top {top}");
            if expect {
                seen.insert(c);
                top = top.max(c);
            }
        }
    }
}
