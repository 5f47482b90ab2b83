//! One SDK configuration for the run, and clients built from it with the read-only guard,
//! the call counter, bounded retries and timeouts.

use super::CollectError;
use super::failure::classify;
use super::guard::{CallCounter, ReadOnlyGuard};
use crate::inventory::{AccountIdentity, ApiFailure, FailureKind};
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
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
    /// Used for global calls (STS, IAM) when no region is configured, e.g. the first
    /// region of `--regions`.
    pub fallback_region: Option<String>,
    /// Read another account through a role (`--accounts`): the standard chain's credentials
    /// only call `sts:AssumeRole`; every client then uses the role's credentials.
    pub assume_role: Option<AssumeRoleTarget>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleTarget {
    pub role_arn: String,
    pub external_id: Option<String>,
}

/// The role session name CloudTrail shows in the audited account.
pub const SESSION_NAME: &str = "lambda-audit";

/// `AWS_ENDPOINT_URL_<SERVICE>`, which the SDK would ignore once an endpoint is set in code
/// (`--endpoint-url`); applied here so the documented precedence holds either way.
fn service_endpoint(service_env_suffix: &str) -> Option<String> {
    std::env::var(format!("AWS_ENDPOINT_URL_{service_env_suffix}"))
        .ok()
        .filter(|v| !v.is_empty())
}

/// A client of `$sdk` for `$region` (or the home region), with the guard attached and the
/// service-specific endpoint variable honoured.
macro_rules! build_client {
    ($self:ident, $sdk:ident, $env_suffix:literal, $region:expr) => {{
        let mut builder = $sdk::config::Builder::from(&$self.base).interceptor($self.guard.clone());
        if let Some(region) = $region {
            builder = builder.region(Region::new(region.to_string()));
        }
        if let Some(url) = service_endpoint($env_suffix) {
            builder = builder.endpoint_url(url);
        }
        $sdk::Client::from_conf(builder.build())
    }};
}

pub struct Clients {
    base: SdkConfig,
    pub counter: Arc<CallCounter>,
    guard: ReadOnlyGuard,
}

/// Throttling is retried by the SDK (standard mode: exponential backoff with jitter and a
/// shared retry-token budget, so no retry storms); four attempts in all, then a gap.
const MAX_ATTEMPTS: u32 = 4;

/// `base` with the role's credentials. The provider calls `sts:AssumeRole` through its own
/// STS client, built from `base` without our guard: entering the account is not a read of
/// it, and the audited account's clients (which carry the guard) still cannot call it. The
/// role is assumed once here, so a refusal is one clear `sts:AssumeRole` failure; the
/// provider assumes it again when the credentials near expiry.
async fn assume_role(
    base: SdkConfig,
    target: &AssumeRoleTarget,
) -> Result<SdkConfig, CollectError> {
    let mut builder = AssumeRoleProvider::builder(&target.role_arn)
        .session_name(SESSION_NAME)
        .configure(&base);
    if let Some(id) = &target.external_id {
        builder = builder.external_id(id);
    }
    let provider = builder.build().await;
    provider
        .provide_credentials()
        .await
        .map_err(|e| CollectError::AssumeRole(assume_role_failure(&target.role_arn, &e)))?;
    Ok(base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build())
}

/// The provider's error as a recorded failure: the STS error when there is one.
fn assume_role_failure(role_arn: &str, err: &CredentialsError) -> ApiFailure {
    let sdk_error = std::error::Error::source(err).and_then(|source| {
        source.downcast_ref::<SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError, HttpResponse>>()
    });
    let mut failure = match sdk_error {
        Some(sdk_error) => classify("sts:AssumeRole", sdk_error),
        None => ApiFailure {
            operation: "sts:AssumeRole".to_string(),
            kind: FailureKind::Other,
            code: "none".to_string(),
            message: DisplayErrorContext(err).to_string(),
        },
    };
    failure.message = format!("{role_arn}: {}", failure.message);
    failure
}

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
        let mut base = loader.load().await;
        if base.region().is_none() {
            let fallback = settings
                .fallback_region
                .clone()
                .ok_or(CollectError::NoRegion)?;
            base = base.to_builder().region(Region::new(fallback)).build();
        }
        if let Some(target) = &settings.assume_role {
            base = assume_role(base, target).await?;
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
        build_client!(self, aws_sdk_lambda, "LAMBDA", Some(region))
    }

    pub fn apigateway(&self, region: &str) -> aws_sdk_apigateway::Client {
        build_client!(self, aws_sdk_apigateway, "API_GATEWAY", Some(region))
    }

    pub fn apigatewayv2(&self, region: &str) -> aws_sdk_apigatewayv2::Client {
        build_client!(self, aws_sdk_apigatewayv2, "APIGATEWAYV2", Some(region))
    }

    pub fn sqs(&self, region: &str) -> aws_sdk_sqs::Client {
        build_client!(self, aws_sdk_sqs, "SQS", Some(region))
    }

    /// IAM is global; the home region only selects the partition's endpoint.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        build_client!(self, aws_sdk_iam, "IAM", None::<&str>)
    }

    pub fn account(&self) -> aws_sdk_account::Client {
        build_client!(self, aws_sdk_account, "ACCOUNT", None::<&str>)
    }

    /// Organizations is global; the home region selects the partition's endpoint.
    pub fn organizations(&self) -> aws_sdk_organizations::Client {
        build_client!(self, aws_sdk_organizations, "ORGANIZATIONS", None::<&str>)
    }

    fn sts(&self) -> aws_sdk_sts::Client {
        build_client!(self, aws_sdk_sts, "STS", None::<&str>)
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
