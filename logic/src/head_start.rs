//! When the other strategies of a schedule join the first: once it has had
//! its head start of CPU time, not of wall-clock time.
//!
//! Why CPU time: on a machine busy with other work, a wall-clock head start
//! ends before the first strategy has had its share, the others join, and
//! the cores are loaded further, so every query slows down and more head
//! starts run out in turn. Measured with a 200 ms wall-clock head start: two
//! checks of both benchmark files at once on 2 cores took 8.8–9.9 s each,
//! against 2.7–3.0 s for one alone; with a 600 ms head start they took
//! 6.0–6.8 s (and one alone 3.1 s). With this module's 200 ms of CPU time:
//! 6.3–7.4 s each (3 pairs), and one alone 2.8–3.2 s (5 runs; 2.7–3.8 s
//! before).
//!
//! The first strategy's CPU time is estimated as its fair share of this
//! process's: the process's CPU time (`CLOCK_PROCESS_CPUTIME_ID`; the
//! solver threads doing a strategy's work are this process's threads)
//! divided among the strategies working at that moment ([`Working`]). On an
//! idle machine that share grows as fast as the wall clock, so the schedule
//! is what it was; under load it grows slower, and the head start stretches,
//! up to a bound that keeps a starved first strategy from holding the others
//! back for good.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::smt::Cancel;

/// Strategies of any schedule in this process at work right now.
static WORKING: AtomicUsize = AtomicUsize::new(0);

/// How often a waiting strategy reads the clocks.
const POLL: Duration = Duration::from_millis(5);

/// A strategy at work (reducing, solving or confirming), for as long as
/// this lives. Work after a race (recording a hint, the bounded search) is
/// not counted: while only such work runs, the shares of waiting
/// strategies grow at the process's whole rate, which can only end their
/// head starts sooner, as the wall-clock head start did.
pub(crate) struct Working(());

impl Working {
    /// Count one more strategy at work.
    pub(crate) fn start() -> Working {
        WORKING.fetch_add(1, Ordering::Relaxed);
        Working(())
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        WORKING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The CPU time of this process so far; `None` where the platform has no
/// such clock (the head start is then wall-clock time).
fn process_cpu() -> Option<Duration> {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
        let ok = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0;
        if ok && ts.tv_sec >= 0 && ts.tv_nsec >= 0 {
            return Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32));
        }
    }
    None
}

/// A running estimate of one strategy's share of the process's CPU time.
#[derive(Debug)]
struct FairShare {
    last: Duration,
    share: Duration,
}

impl FairShare {
    fn new(cpu: Duration) -> FairShare {
        FairShare { last: cpu, share: Duration::ZERO }
    }

    /// The share so far, after the process's CPU clock read `cpu` with
    /// `working` strategies at work since the last reading.
    fn advance(&mut self, cpu: Duration, working: usize) -> Duration {
        let spent = cpu.saturating_sub(self.last);
        self.last = cpu.max(self.last);
        self.share += spent / working.max(1) as u32;
        self.share
    }
}

/// Wait until the first strategy, started with this call, has had
/// `head_start` of CPU time, or until `latest`, or until `go` is cancelled
/// (a strategy answered without deciding, or the verdict is fixed);
/// whichever comes first.
pub(crate) fn wait(go: &Cancel, head_start: Duration, latest: Instant) {
    let Some(cpu) = process_cpu() else {
        go.sleep_until((Instant::now() + head_start).min(latest));
        return;
    };
    let mut fair = FairShare::new(cpu);
    loop {
        let now = Instant::now();
        if now >= latest || go.sleep_until((now + POLL).min(latest)) {
            return;
        }
        let Some(cpu) = process_cpu() else { return };
        if fair.advance(cpu, WORKING.load(Ordering::Relaxed)) >= head_start {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_is_the_process_time_split_among_the_strategies_at_work() {
        let ms = Duration::from_millis;
        let mut fair = FairShare::new(ms(1_000));
        assert_eq!(fair.advance(ms(1_100), 1), ms(100), "alone: all of it");
        assert_eq!(fair.advance(ms(1_300), 2), ms(200), "two at work: half of the next 200 ms");
        assert_eq!(fair.advance(ms(1_300), 3), ms(200), "no time spent, no share");
        assert_eq!(fair.advance(ms(1_400), 0), ms(300), "none counted at work: the time is still spent");
        assert_eq!(fair.advance(ms(1_350), 1), ms(300), "a clock read going back adds nothing");
        assert_eq!(fair.advance(ms(1_450), 1), ms(350), "and counts on from the latest reading");
    }

    #[test]
    fn the_wait_ends_when_go_is_cancelled_or_at_the_latest() {
        let go = Cancel::new();
        go.cancel();
        let t = Instant::now();
        wait(&go, Duration::from_secs(60), t + Duration::from_secs(60));
        assert!(t.elapsed() < Duration::from_secs(30), "a cancelled go ends the wait");
        // Nothing at work and no CPU spent by this thread while it sleeps:
        // only `latest` ends this one.
        let t = Instant::now();
        wait(&Cancel::new(), Duration::from_secs(60), t + Duration::from_millis(50));
        assert!(t.elapsed() >= Duration::from_millis(50) && t.elapsed() < Duration::from_secs(30));
    }
}
