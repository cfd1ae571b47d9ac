//! How long to wait before asking a throttled vendor again, and when to stop.
//!
//! The vendor says how long with `Retry-After` (503 from vendor-fn; a 429
//! from API Gateway's usage plan may carry none). A retry never comes
//! earlier than that, and the policy bounds both each wait and the number
//! of attempts: the SDK's identity cache gives a provider 5 s by default,
//! and a `credential_process` holds up the command that called it.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Attempts and waits for a throttled or busy vendor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The first backoff when the vendor gives no `Retry-After`; doubled
    /// per attempt, with full jitter.
    pub initial_backoff: Duration,
    /// The longest single wait. A `Retry-After` beyond it ends the retries
    /// at once: waiting less would not honour it.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, backoff from 200 ms, at most 1.5 s per wait: at most 3 s
    /// of waiting, inside the SDK identity cache's 5 s load timeout.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_wait: Duration::from_millis(1500),
        }
    }
}

impl RetryPolicy {
    /// No retries: the first answer is final.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before attempt `attempt + 1`, after `attempt` throttled
    /// answers, or `None` to stop. `jitter` is in `0.0..=1.0`.
    pub fn wait_after(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        if retry_after.is_some_and(|asked| asked > self.max_wait) {
            return None;
        }
        let exponent = attempt.saturating_sub(1).min(16);
        let backoff = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_wait)
            .mul_f64(jitter.clamp(0.0, 1.0));
        Some(retry_after.map_or(backoff, |asked| asked.max(backoff)))
    }
}

/// `Retry-After` as HTTP defines it: delay-seconds, or an HTTP-date.
/// Anything else is ignored (treated as absent).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// A fraction in `0.0..=1.0` from the OS's random source, for full jitter:
/// throttled clients that all retry at once would be throttled again.
pub fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    // No random source: no jitter, still a bounded wait.
    if getrandom::getrandom(&mut bytes).is_err() {
        return 1.0;
    }
    f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn backoff_doubles_within_the_cap_and_stops_after_the_last_attempt() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.wait_after(1, None, 1.0), Some(ms(200)));
        assert_eq!(policy.wait_after(2, None, 1.0), Some(ms(400)));
        assert_eq!(policy.wait_after(3, None, 1.0), None, "3 attempts in all");
        let long = RetryPolicy {
            max_attempts: 10,
            ..policy
        };
        assert_eq!(long.wait_after(9, None, 1.0), Some(ms(1500)), "capped");
        assert_eq!(long.wait_after(2, None, 0.5), Some(ms(200)), "jittered");
        assert_eq!(RetryPolicy::none().wait_after(1, None, 1.0), None);
    }

    #[test]
    fn retry_after_is_never_undercut_and_a_longer_one_than_the_cap_ends_retries() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.wait_after(1, Some(ms(1000)), 0.0), Some(ms(1000)));
        assert_eq!(policy.wait_after(1, Some(ms(1000)), 1.0), Some(ms(1000)));
        assert_eq!(policy.wait_after(1, Some(ms(1500)), 1.0), Some(ms(1500)));
        assert_eq!(policy.wait_after(1, Some(ms(1501)), 1.0), None);
        assert_eq!(
            policy.wait_after(1, Some(Duration::ZERO), 1.0),
            Some(ms(200))
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now: DateTime<Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_mins(2))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 11:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past: retry now"
        );
        for junk in ["", "-1", "soon", "1.5"] {
            assert_eq!(parse_retry_after(junk, now), None, "{junk:?}");
        }
    }

    #[test]
    fn jitter_is_a_fraction() {
        for _ in 0..100 {
            assert!((0.0..=1.0).contains(&jitter()));
        }
    }
}
