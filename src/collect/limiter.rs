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
/// could starve a production deployment sharing the same quota).
#[derive(Debug)]
pub struct Limiter {
    interval: Duration,
    next_slot: Mutex<Instant>,
}

impl Limiter {
    pub fn per_second(rate: f64) -> Self {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            1.0
        };
        Limiter {
            interval: Duration::from_secs_f64(1.0 / rate),
            next_slot: Mutex::new(Instant::now()),
        }
    }

    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
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
