//! Retry and backoff decisions, as pure functions: the caller owns the clock and the sleeping.
//!
//! Reads (GET, HEAD) are retried on 420/429, 5xx and transport failures with capped exponential
//! backoff and full jitter, honouring `Retry-After`. Writes are never retried unless the policy
//! opts in: Crisp has no idempotency key, and a message sent twice is a real harm.

use crate::catalog::Method;
use crate::error::CrispError;

/// How hard to retry. JS: `retry: { retries, baseDelayMs, maxDelayMs, maxRetryAfterMs, retryWrites }`.
///
/// Read from JSON with [`RetryPolicy::from_value`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub retries: u32,
    /// The backoff's first ceiling, in milliseconds; it doubles each attempt.
    pub base_delay_ms: u64,
    /// The backoff's cap, in milliseconds.
    pub max_delay_ms: u64,
    /// The longest `Retry-After` worth waiting for; a longer one stops instead.
    pub max_retry_after_ms: u64,
    /// Retry POST/PUT/PATCH/DELETE too. Off by default: a timed-out write may have happened.
    pub retry_writes: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 2,
            base_delay_ms: 300,
            max_delay_ms: 10_000,
            max_retry_after_ms: 60_000,
            retry_writes: false,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    #[must_use]
    pub fn never() -> Self {
        RetryPolicy { retries: 0, ..RetryPolicy::default() }
    }

    pub(crate) fn validate(&self) -> Result<(), CrispError> {
        let bad = |field: &str, message: &str| {
            Err(CrispError::InvalidConfig {
                field: ["retry.", field].concat(),
                message: message.into(),
            })
        };
        if self.retries > 10 {
            return bad("retries", "must be at most 10");
        }
        if self.max_delay_ms < self.base_delay_ms {
            return bad("maxDelayMs", "must be at least baseDelayMs");
        }
        Ok(())
    }
}

/// What happened on one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An HTTP answer with this status.
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// No answer: connection refused or reset, DNS, TLS.
    Network,
    /// No answer within the timeout (the request may have been processed).
    Timeout,
}

impl Outcome {
    /// The outcome an error stands for, if it came from an attempt at all.
    #[must_use]
    pub fn of_error(error: &CrispError) -> Option<Outcome> {
        match error {
            CrispError::Api(f) => Some(Outcome::Status { status: f.status }),
            CrispError::InvalidResponse { status, .. } => Some(Outcome::Status { status: *status }),
            CrispError::Network { .. } => Some(Outcome::Network),
            CrispError::Timeout { .. } => Some(Outcome::Timeout),
            _ => None,
        }
    }

    fn is_retryable(self) -> bool {
        match self {
            Outcome::Status { status } => matches!(status, 420 | 429 | 500..=599),
            Outcome::Network | Outcome::Timeout => true,
        }
    }
}

/// The decision after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send the same request again.
    Retry {
        /// Milliseconds to wait.
        delay_ms: u64,
    },
    /// Give up and report the last error.
    Stop {
        /// Why, as a stable snake_case word.
        why: StopReason,
    },
}

/// Why retrying stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The outcome is not worth retrying (a 4xx other than 420/429).
    NotRetryable,
    /// A write, and the policy does not retry writes.
    Write,
    /// Every allowed retry was used.
    Exhausted,
    /// `Retry-After` asks for a longer wait than the policy allows.
    RetryAfterTooLong,
}

/// Decides whether to retry after attempt number `attempt` (1 for the first) ended in `outcome`.
///
/// `seed` feeds the jitter: pass a fresh random number per call (or a fixed one in tests); the
/// same inputs always give the same decision.
#[must_use]
pub fn decide(
    policy: &RetryPolicy,
    method: Method,
    attempt: u32,
    outcome: Outcome,
    retry_after_ms: Option<u64>,
    seed: u64,
) -> Decision {
    let stop = |why| Decision::Stop { why };
    if !outcome.is_retryable() {
        return stop(StopReason::NotRetryable);
    }
    if !method.is_read() && !policy.retry_writes {
        return stop(StopReason::Write);
    }
    if attempt > policy.retries {
        return stop(StopReason::Exhausted);
    }
    if let Some(ms) = retry_after_ms {
        return if ms > policy.max_retry_after_ms {
            stop(StopReason::RetryAfterTooLong)
        } else {
            Decision::Retry { delay_ms: ms }
        };
    }
    Decision::Retry { delay_ms: backoff_ms(policy, attempt, seed) }
}

/// Full jitter: a uniform draw in `[0, min(cap, base * 2^(attempt-1))]`.
#[must_use]
pub fn backoff_ms(policy: &RetryPolicy, attempt: u32, seed: u64) -> u64 {
    let exp = attempt.saturating_sub(1).min(32);
    let ceiling = policy.base_delay_ms.saturating_mul(1u64 << exp).min(policy.max_delay_ms);
    splitmix64(seed ^ u64::from(attempt)) % (ceiling + 1)
}

/// A small, good mixing function, so the jitter needs no RNG crate and stays deterministic.
pub(crate) fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Reads `Retry-After`: delay-seconds, or an HTTP date measured against `now_unix_ms` (the core
/// has no clock). Past dates mean "now".
#[must_use]
pub fn parse_retry_after(value: &str, now_unix_ms: Option<u64>) -> Option<u64> {
    let value = value.trim();
    if let Some(secs) = crate::json::parse_u64(value) {
        return Some(secs.saturating_mul(1000));
    }
    if let Some(secs) = crate::decimal::parse_finite(value) {
        // Not in the RFC, but some proxies send fractions; treat them as seconds.
        #[allow(clippy::cast_sign_loss)] // checked non-negative just before
        return (secs >= 0.0).then(|| (secs * 1000.0).round() as u64);
    }
    if is_non_finite(value) {
        return None;
    }
    let now = now_unix_ms?;
    let at = httpdate::parse_http_date(value).ok()?;
    let at_ms = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as u64;
    Some(at_ms.saturating_sub(now))
}

/// `inf`, `infinity` or `nan` in any case, signed or not: numbers to `str::parse::<f64>`, so a
/// `Retry-After` that says so is an unusable number, not a date.
fn is_non_finite(value: &str) -> bool {
    let word = value.strip_prefix(['+', '-']).unwrap_or(value);
    ["inf", "infinity", "nan"].iter().any(|w| word.eq_ignore_ascii_case(w))
}

impl crate::json::ToJson for Decision {
    fn write_json(&self, out: &mut String) {
        let out = crate::json::Obj::new(out);
        match self {
            Decision::Retry { delay_ms } => {
                out.field("action", "retry").field("delayMs", delay_ms).end();
            }
            Decision::Stop { why } => out.field("action", "stop").field("why", why).end(),
        }
    }
}

crate::json::name_to_json!(StopReason, |r| match r {
    StopReason::NotRetryable => "not_retryable",
    StopReason::Write => "write",
    StopReason::Exhausted => "exhausted",
    StopReason::RetryAfterTooLong => "retry_after_too_long",
});

#[cfg(test)]
mod tests {
    use super::*;

    const S429: Outcome = Outcome::Status { status: 429 };

    #[test]
    fn reads_retry_on_rate_limits_5xx_and_transport_errors() {
        let p = RetryPolicy::default();
        for o in [
            S429,
            Outcome::Status { status: 420 },
            Outcome::Status { status: 503 },
            Outcome::Network,
            Outcome::Timeout,
        ] {
            assert!(
                matches!(decide(&p, Method::Get, 1, o, None, 7), Decision::Retry { .. }),
                "{o:?}"
            );
            assert!(
                matches!(decide(&p, Method::Head, 1, o, None, 7), Decision::Retry { .. }),
                "{o:?}"
            );
        }
        for status in [400, 401, 403, 404, 409] {
            assert_eq!(
                decide(&p, Method::Get, 1, Outcome::Status { status }, None, 7),
                Decision::Stop { why: StopReason::NotRetryable }
            );
        }
    }

    #[test]
    fn writes_are_never_retried_unless_opted_in() {
        let p = RetryPolicy::default();
        for m in [Method::Post, Method::Put, Method::Patch, Method::Delete] {
            for o in [S429, Outcome::Status { status: 502 }, Outcome::Network, Outcome::Timeout] {
                assert_eq!(
                    decide(&p, m, 1, o, Some(0), 1),
                    Decision::Stop { why: StopReason::Write }
                );
            }
        }
        let opt_in = RetryPolicy { retry_writes: true, ..p };
        assert!(matches!(decide(&opt_in, Method::Post, 1, S429, None, 1), Decision::Retry { .. }));
    }

    #[test]
    fn retries_are_bounded() {
        let p = RetryPolicy { retries: 2, ..RetryPolicy::default() };
        assert!(matches!(decide(&p, Method::Get, 2, S429, None, 1), Decision::Retry { .. }));
        assert_eq!(
            decide(&p, Method::Get, 3, S429, None, 1),
            Decision::Stop { why: StopReason::Exhausted }
        );
        assert_eq!(
            decide(&RetryPolicy::never(), Method::Get, 1, S429, None, 1),
            Decision::Stop { why: StopReason::Exhausted }
        );
    }

    #[test]
    fn retry_after_is_honoured_within_the_limit() {
        let p = RetryPolicy::default();
        assert_eq!(
            decide(&p, Method::Get, 1, S429, Some(1500), 1),
            Decision::Retry { delay_ms: 1500 }
        );
        assert_eq!(
            decide(&p, Method::Get, 1, S429, Some(3_600_000), 1),
            Decision::Stop { why: StopReason::RetryAfterTooLong }
        );
    }

    #[test]
    fn backoff_is_capped_full_jitter_and_deterministic() {
        let p = RetryPolicy { base_delay_ms: 100, max_delay_ms: 1000, ..RetryPolicy::default() };
        for attempt in 1..=10 {
            let ceiling = (100u64 << (attempt - 1)).min(1000);
            let draws: Vec<u64> = (0..200).map(|seed| backoff_ms(&p, attempt, seed)).collect();
            assert!(draws.iter().all(|&d| d <= ceiling), "attempt {attempt}");
            // Full jitter spreads over the whole range, not just near the ceiling.
            assert!(draws.iter().any(|&d| d < ceiling / 4), "attempt {attempt}");
            assert!(draws.iter().any(|&d| d > ceiling * 3 / 4), "attempt {attempt}");
            assert_eq!(backoff_ms(&p, attempt, 42), backoff_ms(&p, attempt, 42));
        }
    }

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        assert_eq!(parse_retry_after("3", None), Some(3000));
        assert_eq!(parse_retry_after(" 0 ", None), Some(0));
        assert_eq!(parse_retry_after("1.5", None), Some(1500));
        assert_eq!(parse_retry_after("-1", None), None);
        // Rust float syntax, as before: a sign, a bare fraction, a trailing dot; never a date.
        assert_eq!(parse_retry_after("+.5", None), Some(500));
        assert_eq!(parse_retry_after("2.", None), Some(2000));
        assert_eq!(parse_retry_after("-inf", Some(0)), None);
        assert_eq!(parse_retry_after("NaN", Some(0)), None);
        assert_eq!(parse_retry_after("soon", Some(0)), None);
        // Sun, 06 Nov 1994 08:49:37 GMT = 784111777 s.
        let now = 784_111_777_000 - 10_000;
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", Some(now)), Some(10_000));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", None), None);
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", Some(now + 20_000)), Some(0));
    }
}
