//! How a round wants to proceed: the `Progress` lattice.

use std::time::Duration;

/// How long a round is willing to wait, ordered from least to most patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Wait {
    /// End the round now.
    GoAhead,
    /// End the round at this (absolute, from the round start) deadline.
    Timeout(Duration),
    /// No deadline: wait for messages.
    Message,
}

/// A round's progress condition, returned by an event round's `init` and
/// `receive`.
///
/// It is the product of three chains, so `lub` is component-wise:
/// * `wait`: go-ahead < timeout(a) < timeout(b) (a < b) < wait-message;
/// * `strict`: false < true (a strict round ignores catch-up);
/// * `sync`: the number of processes known to have reached this round
///   before it may end (0 = no condition), ordered as integers.
///
/// `unchanged` is the bottom element: it keeps the current progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Progress {
    kind: Option<(Wait, bool, u32)>,
}

impl Progress {
    /// End the round at most `d` after it started; catch-up allowed.
    pub fn timeout(d: Duration) -> Progress {
        Progress { kind: Some((Wait::Timeout(d), false, 0)) }
    }
    /// Like [`Progress::timeout`], in milliseconds.
    pub fn timeout_ms(ms: u64) -> Progress {
        Progress::timeout(Duration::from_millis(ms))
    }
    /// End the round at most `d` after it started; no catch-up.
    pub fn strict_timeout(d: Duration) -> Progress {
        Progress { kind: Some((Wait::Timeout(d), true, 0)) }
    }
    /// No deadline; the round ends on go-ahead or catch-up.
    pub fn wait_message() -> Progress {
        Progress { kind: Some((Wait::Message, false, 0)) }
    }
    /// No deadline and no catch-up: the round ends only on go-ahead.
    pub fn strict_wait_message() -> Progress {
        Progress { kind: Some((Wait::Message, true, 0)) }
    }
    /// End the round now.
    pub fn go_ahead() -> Progress {
        Progress { kind: Some((Wait::GoAhead, false, 0)) }
    }
    /// Keep the current progress.
    pub fn unchanged() -> Progress {
        Progress { kind: None }
    }
    /// Do not end the round before `f + k` processes (this one included,
    /// `f` from the runtime options) are known to have reached it (heard
    /// from at this round or later); once they have, behave as go-ahead. Combine with a timeout through `lub`
    /// to bound the wait.
    pub fn sync(k: u32) -> Progress {
        Progress { kind: Some((Wait::GoAhead, false, k)) }
    }

    /// Least upper bound: the longer wait, the stricter, the larger sync.
    pub fn lub(self, other: Progress) -> Progress {
        match (self.kind, other.kind) {
            (None, _) => other,
            (_, None) => self,
            (Some((w1, s1, k1)), Some((w2, s2, k2))) => {
                Progress { kind: Some((w1.max(w2), s1 || s2, k1.max(k2))) }
            }
        }
    }

    /// Greatest lower bound: the shorter wait, the laxer, the smaller sync.
    pub fn glb(self, other: Progress) -> Progress {
        match (self.kind, other.kind) {
            (None, _) | (_, None) => Progress::unchanged(),
            (Some((w1, s1, k1)), Some((w2, s2, k2))) => {
                Progress { kind: Some((w1.min(w2), s1 && s2, k1.min(k2))) }
            }
        }
    }

    /// `other` if it is not `unchanged`, else `self`: how a `receive` result
    /// replaces the current progress.
    pub fn update(self, other: Progress) -> Progress {
        if other.is_unchanged() { self } else { other }
    }

    /// Whether this is `unchanged`.
    pub fn is_unchanged(&self) -> bool {
        self.kind.is_none()
    }
    /// The wait component (`None` for `unchanged`).
    pub fn wait(&self) -> Option<Wait> {
        self.kind.map(|k| k.0)
    }
    /// Whether catch-up is disabled.
    pub fn is_strict(&self) -> bool {
        self.kind.is_some_and(|k| k.1)
    }
    /// The sync requirement (0 when none).
    pub fn sync_k(&self) -> u32 {
        self.kind.map_or(0, |k| k.2)
    }
    /// Whether the round may end now (go-ahead), given how many processes
    /// beyond `f` are known to have reached it.
    /// With a sync requirement `k > 0` the round may end as soon as `k`
    /// processes (beyond `f`) reached it, whatever the wait component (which
    /// then only bounds the wait); without one, only on go-ahead.
    pub fn is_go_ahead(&self, reached: usize) -> bool {
        match self.kind {
            Some((_, _, k)) if k > 0 => reached >= k as usize,
            Some((w, _, _)) => w == Wait::GoAhead,
            None => false,
        }
    }
    /// The deadline relative to the round start, if any.
    pub fn deadline(&self) -> Option<Duration> {
        match self.kind {
            Some((Wait::Timeout(d), _, _)) => Some(d),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Progress> {
        vec![
            Progress::unchanged(),
            Progress::go_ahead(),
            Progress::timeout_ms(5),
            Progress::timeout_ms(9),
            Progress::strict_timeout(Duration::from_millis(5)),
            Progress::wait_message(),
            Progress::strict_wait_message(),
            Progress::sync(2),
            Progress::sync(3),
        ]
    }

    #[test]
    fn lub_is_a_join() {
        for a in all() {
            assert_eq!(a.lub(a), a, "idempotent");
            assert_eq!(a.lub(Progress::unchanged()), a, "unchanged is bottom");
            for b in all() {
                assert_eq!(a.lub(b), b.lub(a), "commutative");
                for c in all() {
                    assert_eq!(a.lub(b).lub(c), a.lub(b.lub(c)), "associative");
                }
                // absorption with glb (lattice law) when neither is bottom
                if !a.is_unchanged() && !b.is_unchanged() {
                    assert_eq!(a.lub(a.glb(b)), a);
                    assert_eq!(a.glb(a.lub(b)), a);
                }
            }
        }
    }

    #[test]
    fn lub_prefers_longer_and_stricter() {
        let l = Progress::timeout_ms(5).lub(Progress::timeout_ms(9));
        assert_eq!(l.deadline(), Some(Duration::from_millis(9)));
        let s = Progress::timeout_ms(9).lub(Progress::strict_timeout(Duration::from_millis(5)));
        assert!(s.is_strict());
        assert_eq!(s.deadline(), Some(Duration::from_millis(9)));
        assert_eq!(Progress::wait_message().lub(Progress::timeout_ms(1)).wait(), Some(Wait::Message));
        let k = Progress::sync(2).lub(Progress::sync(5)).lub(Progress::timeout_ms(3));
        assert_eq!(k.sync_k(), 5);
        assert!(!Progress::sync(3).is_go_ahead(2));
        assert!(Progress::sync(3).is_go_ahead(3));
        assert!(Progress::go_ahead().is_go_ahead(0));
        let bounded = Progress::sync(2).lub(Progress::timeout_ms(50));
        assert!(!bounded.is_go_ahead(1) && bounded.is_go_ahead(2), "a timeout only bounds the sync wait");
        assert!(!Progress::timeout_ms(5).is_go_ahead(9) && !Progress::unchanged().is_go_ahead(9));
        assert_eq!(Progress::go_ahead().update(Progress::unchanged()), Progress::go_ahead());
    }
}
