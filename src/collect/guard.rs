//! The read-only guard and the call counter, as one SDK interceptor attached to every client.
//!
//! Every operation the auditor may call is listed in [`READ_ONLY_OPERATIONS`] with the IAM
//! action it needs; anything else is refused before it is signed or sent, so a coding mistake
//! cannot turn the auditor into something that changes an account. The same list generates
//! the read-only IAM policy shipped in `docs/iam-policy.json` (a test keeps them in step).

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub struct AllowedOperation {
    /// The SDK's service name, as in its operation metadata.
    pub sdk_service: &'static str,
    pub operation: &'static str,
    /// The IAM action the call needs.
    pub iam_action: &'static str,
}

const fn op(
    sdk_service: &'static str,
    operation: &'static str,
    iam_action: &'static str,
) -> AllowedOperation {
    AllowedOperation {
        sdk_service,
        operation,
        iam_action,
    }
}

pub const READ_ONLY_OPERATIONS: &[AllowedOperation] = &[
    op("STS", "GetCallerIdentity", "sts:GetCallerIdentity"),
    op("Account", "ListRegions", "account:ListRegions"),
    op("Lambda", "ListFunctions", "lambda:ListFunctions"),
    op("Lambda", "GetFunction", "lambda:GetFunction"),
    op("Lambda", "GetPolicy", "lambda:GetPolicy"),
    op("Lambda", "ListAliases", "lambda:ListAliases"),
    op(
        "Lambda",
        "ListFunctionUrlConfigs",
        "lambda:ListFunctionUrlConfigs",
    ),
    op(
        "Lambda",
        "ListEventSourceMappings",
        "lambda:ListEventSourceMappings",
    ),
    op(
        "Lambda",
        "ListFunctionEventInvokeConfigs",
        "lambda:ListFunctionEventInvokeConfigs",
    ),
    op(
        "Lambda",
        "ListCodeSigningConfigs",
        "lambda:ListCodeSigningConfigs",
    ),
    op(
        "Lambda",
        "ListFunctionsByCodeSigningConfig",
        "lambda:ListFunctionsByCodeSigningConfig",
    ),
    op(
        "Lambda",
        "GetLayerVersionPolicy",
        "lambda:GetLayerVersionPolicy",
    ),
    op(
        "IAM",
        "GetAccountAuthorizationDetails",
        "iam:GetAccountAuthorizationDetails",
    ),
    op("API Gateway", "GetRestApis", "apigateway:GET"),
    op("API Gateway", "GetResources", "apigateway:GET"),
    op("API Gateway", "GetAuthorizers", "apigateway:GET"),
    op("API Gateway", "GetStages", "apigateway:GET"),
    op("ApiGatewayV2", "GetApis", "apigateway:GET"),
    op("ApiGatewayV2", "GetRoutes", "apigateway:GET"),
    op("ApiGatewayV2", "GetIntegrations", "apigateway:GET"),
    op("ApiGatewayV2", "GetAuthorizers", "apigateway:GET"),
    op("SQS", "GetQueueAttributes", "sqs:GetQueueAttributes"),
    // `--organization`: the account list, from the management or a delegated account.
    op(
        "Organizations",
        "ListAccounts",
        "organizations:ListAccounts",
    ),
];

/// The prefix of the error text the guard raises; failure classification looks for it.
pub const REFUSED_MARKER: &str = "lambda-audit refused a non-read-only operation";

/// Counts every attempt by `service:Operation` (IAM-style service prefix).
#[derive(Debug, Default)]
pub struct CallCounter {
    attempts: Mutex<BTreeMap<String, u64>>,
    /// Attempts AWS answered with a throttling error, by operation.
    throttles: Mutex<BTreeMap<String, u64>>,
}

impl CallCounter {
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.attempts.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Throttled attempts of `operation` (`lambda:GetPolicy`) so far.
    pub fn throttled(&self, operation: &str) -> u64 {
        self.throttles
            .lock()
            .map(|m| m.get(operation).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}

/// Error codes AWS uses for "slow down", across protocols.
const THROTTLING_CODES: [&str; 7] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
];

/// Whether a response is AWS telling us to slow down: HTTP 429, or a throttling error code
/// in the `x-amzn-ErrorType` header (REST and JSON protocols) or the XML body (query
/// protocol: IAM, STS).
fn is_throttling(response: &aws_smithy_runtime_api::http::Response) -> bool {
    let status = response.status().as_u16();
    if status == 429 {
        return true;
    }
    if status < 400 {
        return false;
    }
    let named = |code: &str| {
        let code = code.split([':', '#']).next().unwrap_or(code);
        THROTTLING_CODES.contains(&code)
    };
    if response
        .headers()
        .get("x-amzn-ErrorType")
        .is_some_and(|h| named(h.trim()))
    {
        return true;
    }
    response.body().bytes().is_some_and(|body| {
        let text = String::from_utf8_lossy(body);
        THROTTLING_CODES.iter().any(|code| {
            text.contains(&format!("<Code>{code}</Code>"))
                || text.contains(&format!("\"{code}\""))
                || text.contains(&format!("#{code}\""))
        })
    })
}

#[derive(Debug, Clone)]
pub struct ReadOnlyGuard {
    counter: Arc<CallCounter>,
}

impl ReadOnlyGuard {
    pub fn new(counter: Arc<CallCounter>) -> Self {
        ReadOnlyGuard { counter }
    }
}

/// `lambda:GetPolicy`-style key for a call.
pub fn operation_key(sdk_service: &str, operation: &str) -> String {
    let prefix = match sdk_service {
        "API Gateway" => "apigateway".to_string(),
        "ApiGatewayV2" => "apigatewayv2".to_string(),
        other => other.to_ascii_lowercase(),
    };
    format!("{prefix}:{operation}")
}

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        "lambda-audit read-only guard"
    }

    // Operation metadata is in the config bag from serialization on, not before execution.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(metadata) = cfg.load::<Metadata>() else {
            return Err(format!("{REFUSED_MARKER}: operation without metadata").into());
        };
        let allowed = READ_ONLY_OPERATIONS
            .iter()
            .any(|a| a.sdk_service == metadata.service() && a.operation == metadata.name());
        if allowed {
            Ok(())
        } else {
            Err(format!(
                "{REFUSED_MARKER}: {} {}",
                metadata.service(),
                metadata.name()
            )
            .into())
        }
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            let key = operation_key(metadata.service(), metadata.name());
            if let Ok(mut attempts) = self.counter.attempts.lock() {
                *attempts.entry(key).or_insert(0) += 1;
            }
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let (Some(metadata), Some(response)) = (cfg.load::<Metadata>(), context.response())
            && is_throttling(response)
            && let Ok(mut throttles) = self.counter.throttles.lock()
        {
            *throttles
                .entry(operation_key(metadata.service(), metadata.name()))
                .or_insert(0) += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_allowed_operation_reads() {
        for op in READ_ONLY_OPERATIONS {
            assert!(
                ["Get", "List", "Describe"]
                    .iter()
                    .any(|p| op.operation.starts_with(p)),
                "{} is not a read operation",
                op.operation
            );
            let verb = op.iam_action.split(':').nth(1).unwrap_or("");
            assert!(
                verb == "GET"
                    || ["Get", "List", "Describe"]
                        .iter()
                        .any(|p| verb.starts_with(p)),
                "{} is not a read action",
                op.iam_action
            );
        }
    }
}

#[cfg(test)]
mod throttle_tests {
    use super::is_throttling;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;

    fn response(status: u16, header: Option<&str>, body: &str) -> Response {
        let mut r = Response::new(
            StatusCode::try_from(status).expect("status"),
            SdkBody::from(body.to_string()),
        );
        if let Some(h) = header {
            r.headers_mut().insert("x-amzn-ErrorType", h.to_string());
        }
        r
    }

    #[test]
    fn throttling_is_recognised_in_every_protocol_shape() {
        assert!(is_throttling(&response(429, None, "")));
        assert!(is_throttling(&response(
            400,
            Some("ThrottlingException:http://internal"),
            ""
        )));
        assert!(is_throttling(&response(
            400,
            None,
            "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"
        )));
        assert!(is_throttling(&response(
            400,
            None,
            r#"{"__type":"com.amazonaws.sqs#RequestThrottled"}"#
        )));
        assert!(is_throttling(&response(
            400,
            None,
            r#"{"__type":"RequestThrottled"}"#
        )));
        assert!(!is_throttling(&response(
            400,
            None,
            r#"{"__type":"ValidationException"}"#
        )));
        assert!(!is_throttling(&response(
            403,
            Some("AccessDeniedException"),
            "{}"
        )));
        assert!(!is_throttling(&response(
            200,
            None,
            "<Code>Throttling</Code>"
        )));
    }
}
