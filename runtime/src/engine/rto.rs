//! Adaptive round timeouts, after TCP's retransmission timer: the round
//! latency observed on rounds that ended because their messages arrived
//! gives a smoothed mean and deviation; the default timeout is
//! `2·mean + 4·deviation`, clamped between the configured minimum and the
//! configured timeout (which is also used before the first sample).

use std::time::Duration;

pub(crate) struct Rto {
    min: Duration,
    max: Duration,
    /// Smoothed latency and mean deviation, in nanoseconds (None: no sample).
    est: Option<(f64, f64)>,
}

impl Rto {
    pub(crate) fn new(min: Duration, max: Duration) -> Rto {
        Rto { min, max: max.max(min), est: None }
    }

    /// Records the latency of a round that ended on its messages.
    pub(crate) fn sample(&mut self, d: Duration) {
        let x = d.as_nanos() as f64;
        self.est = Some(match self.est {
            None => (x, x / 2.0),
            Some((m, v)) => (m + (x - m) / 8.0, v + ((x - m).abs() - v) / 4.0),
        });
    }

    /// The timeout rounds should use now.
    pub(crate) fn timeout(&self) -> Duration {
        match self.est {
            None => self.max,
            Some((m, v)) => Duration::from_nanos((2.0 * m + 4.0 * v) as u64).clamp(self.min, self.max),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_observed_latency_within_bounds() {
        let ms = Duration::from_millis;
        let mut r = Rto::new(ms(1), ms(100));
        assert_eq!(r.timeout(), ms(100), "no sample: the configured timeout");
        for _ in 0..50 {
            r.sample(Duration::from_micros(300));
        }
        assert_eq!(r.timeout(), ms(1), "steady fast rounds: down to the minimum");
        for i in 0..50 {
            r.sample(ms(if i % 2 == 0 { 2 } else { 12 }));
        }
        let t = r.timeout();
        assert!(t > ms(20) && t < ms(100), "jittery rounds: well above the mean ({t:?})");
        for _ in 0..50 {
            r.sample(ms(500));
        }
        assert_eq!(r.timeout(), ms(100), "never above the configured timeout");
    }
}
