//! Client-side pacing per (region, quota bucket), so the auditor stays inside Lambda's
//! control-plane quotas instead of leaning on throttling and retries.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Requests per second AWS publishes for each bucket we draw from.
pub mod quota {
    /// `GetFunction` has its own, larger bucket.
    pub const LAMBDA_GET_FUNCTION: f64 = 100.0;
    /// `GetPolicy` has its own bucket.
    pub const LAMBDA_GET_POLICY: f64 = 15.0;
    /// Most other Lambda control-plane calls share one bucket per region.
    pub const LAMBDA_SHARED: f64 = 15.0;
    /// IAM publishes no per-action figure; stay conservative.
    pub const IAM: f64 = 10.0;
    pub const APIGATEWAY: f64 = 10.0;
    /// SQS publishes no control-plane figure for `GetQueueAttributes`; stay modest.
    pub const SQS: f64 = 20.0;
    /// `GetResources` is limited to 5 requests every 2 seconds.
    pub const APIGATEWAY_GET_RESOURCES: f64 = 2.5;
}

/// Spaces requests evenly at `rate` per second (a token bucket of depth one: no bursts that
/// could starve a production deployment sharing the same quota). A throttle seen on the
/// bucket halves its pace ([`Limiter::slow_down`], down to an eighth); each later request
/// wins back 3% until the configured rate is reached again.
#[derive(Debug)]
pub struct Limiter {
    base_interval: Duration,
    pace: Mutex<Pace>,
}

#[derive(Debug)]
struct Pace {
    next_slot: Instant,
    interval: Duration,
}

/// The slowest a throttled bucket gets, as a multiple of its configured interval.
const MAX_SLOWDOWN: u32 = 8;
/// How much of the interval each request after a throttle wins back.
const RECOVERY: f64 = 0.97;

impl Limiter {
    pub fn per_second(rate: f64) -> Self {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            1.0
        };
        let interval = Duration::from_secs_f64(1.0 / rate);
        Limiter {
            base_interval: interval,
            pace: Mutex::new(Pace {
                next_slot: Instant::now(),
                interval,
            }),
        }
    }

    pub async fn acquire(&self) {
        let slot = {
            let mut pace = self.pace.lock().await;
            let now = Instant::now();
            let slot = pace.next_slot.max(now);
            pace.next_slot = slot + pace.interval;
            pace.interval = pace.interval.mul_f64(RECOVERY).max(self.base_interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// AWS throttled a request of this bucket: halve the pace (other tools share the quota).
    pub async fn slow_down(&self) {
        let mut pace = self.pace.lock().await;
        pace.interval = (pace.interval * 2).min(self.base_interval * MAX_SLOWDOWN);
        tracing::debug!(
            interval_ms = pace.interval.as_millis() as u64,
            "throttled: slowing this quota bucket down"
        );
    }

    /// Requests per second the bucket currently allows.
    pub async fn current_rate(&self) -> f64 {
        1.0 / self.pace.lock().await.interval.as_secs_f64()
    }
}

/// The buckets of one region.
#[derive(Debug)]
pub struct RegionLimiters {
    pub get_function: Limiter,
    pub get_policy: Limiter,
    pub lambda_shared: Limiter,
    pub apigateway: Limiter,
    pub apigateway_get_resources: Limiter,
    pub sqs: Limiter,
}

impl RegionLimiters {
    pub fn new(fraction: f64) -> Self {
        RegionLimiters {
            get_function: Limiter::per_second(quota::LAMBDA_GET_FUNCTION * fraction),
            get_policy: Limiter::per_second(quota::LAMBDA_GET_POLICY * fraction),
            lambda_shared: Limiter::per_second(quota::LAMBDA_SHARED * fraction),
            apigateway: Limiter::per_second(quota::APIGATEWAY * fraction),
            apigateway_get_resources: Limiter::per_second(
                quota::APIGATEWAY_GET_RESOURCES * fraction,
            ),
            sqs: Limiter::per_second(quota::SQS * fraction),
        }
    }
}

#[cfg(test)]
mod pace_tests {
    use super::*;

    #[tokio::test]
    async fn a_throttle_halves_the_pace_and_requests_win_it_back() {
        let limiter = Limiter::per_second(1000.0);
        assert!((limiter.current_rate().await - 1000.0).abs() < 1.0);
        limiter.slow_down().await;
        assert!((limiter.current_rate().await - 500.0).abs() < 1.0);
        for _ in 0..5 {
            limiter.slow_down().await;
        }
        // Never slower than an eighth of the configured rate.
        assert!((limiter.current_rate().await - 125.0).abs() < 1.0);
        for _ in 0..200 {
            limiter.acquire().await;
        }
        assert!((limiter.current_rate().await - 1000.0).abs() < 1.0);
    }
}
