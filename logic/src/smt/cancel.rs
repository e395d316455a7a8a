//! A cancellation token for solver calls that race each other.
//!
//! [`crate::check::check_sat`] runs its reduction strategies side by side;
//! once one decides, the others are stopped through the token they share.
//! A cancelled call answers [`crate::smt::SolverResult::Timeout`]: being
//! stopped early is running out of time, never a verdict.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A flag shared by the calls it can stop; clones share it.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<(Mutex<bool>, Condvar)>);

/// How often a back end waiting on its solver looks at the flag.
pub(crate) const POLL: Duration = Duration::from_millis(5);

impl Cancel {
    /// A token nobody has cancelled yet.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Stop every call that watches this token (and wake its sleepers).
    pub fn cancel(&self) {
        let (flag, wake) = &*self.0;
        *flag.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
    }

    /// Has [`Cancel::cancel`] been called?
    pub fn is_cancelled(&self) -> bool {
        *self.0.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleep until `until` or until cancelled, whichever comes first; `true`
    /// when cancelled.
    pub fn sleep_until(&self, until: Instant) -> bool {
        let (flag, wake) = &*self.0;
        let mut cancelled = flag.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if *cancelled {
                return true;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            cancelled = wake.wait_timeout(cancelled, left).unwrap_or_else(PoisonError::into_inner).0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag() {
        let a = Cancel::new();
        let b = a.clone();
        assert!(!b.is_cancelled());
        a.cancel();
        assert!(b.is_cancelled());
    }

    #[test]
    fn sleep_ends_early_when_cancelled() {
        let c = Cancel::new();
        let start = Instant::now();
        assert!(!c.sleep_until(start + Duration::from_millis(20)));
        assert!(start.elapsed() >= Duration::from_millis(20));
        let other = c.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            other.cancel();
        });
        let start = Instant::now();
        assert!(c.sleep_until(start + Duration::from_secs(30)));
        assert!(start.elapsed() < Duration::from_secs(10));
        t.join().unwrap();
    }
}
