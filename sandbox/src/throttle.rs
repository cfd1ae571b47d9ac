//! API Gateway's throttling: a token bucket per API key (the usage plan's
//! rate and burst) under the stage's own bucket, read against a
//! [`ThrottleClock`] so tests can hold time still.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A usage plan's throttle: steady rate per second and burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    /// Requests per second, refilled continuously.
    pub rate: f64,
    /// Bucket size: requests allowed at once.
    pub burst: f64,
}

/// Where the token buckets read the time: the real clock, or a manual one
/// that moves only when [`ThrottleClock::advance`] moves it (tests count
/// 429s without racing the refill). Clones share the manual clock.
#[derive(Debug, Clone, Default)]
pub struct ThrottleClock {
    manual: Option<Arc<Mutex<Instant>>>,
}

impl ThrottleClock {
    /// A clock that stands still until it is advanced.
    pub fn manual() -> Self {
        Self {
            manual: Some(Arc::new(Mutex::new(Instant::now()))),
        }
    }

    /// Moves a manual clock forward; the real clock ignores it.
    pub fn advance(&self, by: Duration) {
        if let Some(now) = &self.manual {
            *lock(now) += by;
        }
    }

    pub(crate) fn now(&self) -> Instant {
        self.manual
            .as_ref()
            .map_or_else(Instant::now, |now| *lock(now))
    }
}

/// A token bucket (API Gateway's throttling algorithm).
#[derive(Debug)]
pub(crate) struct Bucket {
    throttle: Throttle,
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    /// A full bucket.
    pub(crate) fn new(throttle: Throttle, now: Instant) -> Self {
        Self {
            throttle,
            tokens: throttle.burst,
            refilled: now,
        }
    }

    /// The throttle it applies.
    pub(crate) fn throttle(&self) -> Throttle {
        self.throttle
    }

    /// Takes a token if there is one, after refilling for the time since
    /// the last take.
    pub(crate) fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.throttle.rate).min(self.throttle.burst);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASIC: Throttle = Throttle {
        rate: 2.0,
        burst: 5.0,
    };

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let clock = ThrottleClock::manual();
        let mut bucket = Bucket::new(BASIC, clock.now());
        let allowed = (0..10).filter(|_| bucket.try_take(clock.now())).count();
        assert_eq!(allowed, 5);
        clock.advance(Duration::from_millis(499));
        assert!(!bucket.try_take(clock.now()), "not a whole token yet");
        clock.advance(Duration::from_millis(1));
        assert!(bucket.try_take(clock.now()));
        assert!(!bucket.try_take(clock.now()));
        // Never more than the burst, however long it rests.
        clock.advance(Duration::from_hours(1));
        let allowed = (0..10).filter(|_| bucket.try_take(clock.now())).count();
        assert_eq!(allowed, 5);
    }

    #[test]
    fn clones_share_a_manual_clock_and_the_real_one_ignores_advances() {
        let clock = ThrottleClock::manual();
        let before = clock.now();
        clock.clone().advance(Duration::from_secs(2));
        assert_eq!(clock.now() - before, Duration::from_secs(2));
        let real = ThrottleClock::default();
        real.advance(Duration::from_hours(1));
        assert!(real.now() <= Instant::now());
    }
}
