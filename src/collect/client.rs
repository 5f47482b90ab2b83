//! One SDK configuration for the run, and clients built from it with the read-only guard,
//! the call counter, bounded retries and timeouts.

use super::CollectError;
use super::failure::classify;
use super::guard::{CallCounter, ReadOnlyGuard};
use crate::inventory::AccountIdentity;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::sync::Arc;
use std::time::Duration;

/// Where and as whom to connect. Credentials come from the standard chain (environment,
/// profile, SSO, web identity, IMDS) through aws-config.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    pub profile: Option<String>,
    /// Applied to every client; a service-specific `AWS_ENDPOINT_URL_<SERVICE>` variable
    /// still wins for its service (the SDK's documented precedence).
    pub endpoint_url: Option<String>,
    /// The region for global calls and for the default region selection; `None` takes the
    /// configured one.
    pub home_region: Option<String>,
}

pub struct Clients {
    base: SdkConfig,
    pub counter: Arc<CallCounter>,
    guard: ReadOnlyGuard,
}

/// Throttling is retried by the SDK (standard mode: exponential backoff with jitter and a
/// shared retry-token budget, so no retry storms); four attempts in all, then a gap.
const MAX_ATTEMPTS: u32 = 4;

impl Clients {
    pub async fn load(settings: &AwsSettings) -> Result<Self, CollectError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(30))
                    .operation_timeout(Duration::from_secs(120))
                    .build(),
            );
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &settings.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(region) = &settings.home_region {
            loader = loader.region(Region::new(region.clone()));
        }
        let base = loader.load().await;
        if base.region().is_none() {
            return Err(CollectError::NoRegion);
        }
        let counter = Arc::new(CallCounter::default());
        Ok(Clients {
            base,
            guard: ReadOnlyGuard::new(Arc::clone(&counter)),
            counter,
        })
    }

    pub fn home_region(&self) -> String {
        self.base
            .region()
            .map(|r| r.to_string())
            .unwrap_or_default()
    }

    pub fn lambda(&self, region: &str) -> aws_sdk_lambda::Client {
        let config = aws_sdk_lambda::config::Builder::from(&self.base)
            .region(Region::new(region.to_string()))
            .interceptor(self.guard.clone())
            .build();
        aws_sdk_lambda::Client::from_conf(config)
    }

    pub fn apigateway(&self, region: &str) -> aws_sdk_apigateway::Client {
        let config = aws_sdk_apigateway::config::Builder::from(&self.base)
            .region(Region::new(region.to_string()))
            .interceptor(self.guard.clone())
            .build();
        aws_sdk_apigateway::Client::from_conf(config)
    }

    pub fn apigatewayv2(&self, region: &str) -> aws_sdk_apigatewayv2::Client {
        let config = aws_sdk_apigatewayv2::config::Builder::from(&self.base)
            .region(Region::new(region.to_string()))
            .interceptor(self.guard.clone())
            .build();
        aws_sdk_apigatewayv2::Client::from_conf(config)
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::config::Builder::from(&self.base)
            .interceptor(self.guard.clone())
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    pub fn account(&self) -> aws_sdk_account::Client {
        let config = aws_sdk_account::config::Builder::from(&self.base)
            .interceptor(self.guard.clone())
            .build();
        aws_sdk_account::Client::from_conf(config)
    }

    fn sts(&self) -> aws_sdk_sts::Client {
        let config = aws_sdk_sts::config::Builder::from(&self.base)
            .interceptor(self.guard.clone())
            .build();
        aws_sdk_sts::Client::from_conf(config)
    }

    pub async fn caller_identity(&self) -> Result<AccountIdentity, CollectError> {
        let out = self
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| CollectError::Identity(classify("sts:GetCallerIdentity", &e)))?;
        Ok(AccountIdentity::from_caller_arn(
            out.account().unwrap_or_default().to_string(),
            out.arn().unwrap_or_default().to_string(),
        ))
    }
}
