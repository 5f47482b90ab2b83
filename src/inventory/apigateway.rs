//! API Gateway: REST APIs (v1) and HTTP/WebSocket APIs (v2), with each Lambda integration
//! resolved to the function it invokes.

use super::coverage::Collected;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestApi {
    pub id: String,
    pub name: Option<String>,
    /// `EDGE`, `REGIONAL` or `PRIVATE`.
    pub endpoint_types: Vec<String>,
    pub disable_execute_api_endpoint: bool,
    pub api_key_source: Option<String>,
    /// The API's resource policy, when it has one.
    pub policy: Option<serde_json::Value>,
    pub resources: Collected<Vec<RestResource>>,
    pub authorizers: Collected<Vec<Authorizer>>,
    pub stages: Collected<Vec<Stage>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestResource {
    pub id: String,
    pub path: String,
    pub methods: Vec<RestMethod>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestMethod {
    pub http_method: String,
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `COGNITO_USER_POOLS`.
    pub authorization_type: String,
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    pub integration: Option<Integration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    /// `AWS_PROXY`, `AWS`, `HTTP`, `MOCK`, ...
    pub integration_type: String,
    pub uri: Option<String>,
    /// The function the integration invokes, when the URI names one.
    pub lambda: Option<LambdaTarget>,
    /// How long API Gateway waits for the integration (REST default and maximum: 29 000).
    #[serde(default)]
    pub timeout_ms: Option<i32>,
}

/// A function named inside an integration or authorizer URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LambdaTarget {
    /// Unqualified function ARN.
    pub function_arn: String,
    /// Alias or version, or a `${stageVariables.x}` reference left unresolved.
    pub qualifier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authorizer {
    pub id: String,
    pub name: Option<String>,
    /// v1: `TOKEN`, `REQUEST`, `COGNITO_USER_POOLS`; v2: `REQUEST`, `JWT`.
    pub authorizer_type: String,
    pub lambda: Option<LambdaTarget>,
    pub identity_sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    pub deployment_id: Option<String>,
    pub tracing_enabled: bool,
    pub web_acl_arn: Option<String>,
    pub access_log_destination: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpApi {
    pub id: String,
    pub name: Option<String>,
    /// `HTTP` or `WEBSOCKET`.
    pub protocol_type: String,
    pub endpoint: Option<String>,
    pub disable_execute_api_endpoint: bool,
    pub routes: Collected<Vec<Route>>,
    pub integrations: Collected<Vec<HttpIntegration>>,
    pub authorizers: Collected<Vec<Authorizer>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub id: String,
    /// e.g. `GET /orders` or `$default`.
    pub route_key: String,
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `JWT`.
    pub authorization_type: String,
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    /// `integrations/<id>` when the route is wired.
    pub target: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpIntegration {
    pub id: String,
    pub integration_type: String,
    pub uri: Option<String>,
    pub lambda: Option<LambdaTarget>,
    /// HTTP APIs wait at most 30 000 ms.
    #[serde(default)]
    pub timeout_ms: Option<i32>,
}

/// Finds the Lambda function an integration or authorizer URI invokes.
///
/// URIs come in two shapes: the plain function ARN (HTTP APIs) and the API Gateway service
/// path `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations`.
/// Either may carry a qualifier (`:alias`, `:7`, or `:${stageVariables.alias}`).
pub fn lambda_target_from_uri(uri: &str) -> Option<LambdaTarget> {
    let function_arn = match uri.split_once("/functions/") {
        Some((_, rest)) => rest.strip_suffix("/invocations").unwrap_or(rest),
        None => uri,
    };
    let parts: Vec<&str> = function_arn.splitn(8, ':').collect();
    // arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
    if parts.len() < 7 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" {
        return None;
    }
    Some(LambdaTarget {
        function_arn: parts[..7].join(":"),
        qualifier: parts.get(7).map(|q| q.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_both_uri_shapes_and_qualifiers() {
        let t = lambda_target_from_uri("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders:live/invocations").unwrap();
        assert_eq!(
            t.function_arn,
            "arn:aws:lambda:us-east-1:123456789012:function:orders"
        );
        assert_eq!(t.qualifier.as_deref(), Some("live"));
        let t = lambda_target_from_uri("arn:aws:lambda:eu-west-1:1:function:f").unwrap();
        assert_eq!(t.qualifier, None);
        let t = lambda_target_from_uri("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f:${stageVariables.alias}/invocations").unwrap();
        assert_eq!(t.qualifier.as_deref(), Some("${stageVariables.alias}"));
        assert!(lambda_target_from_uri("https://example.com/x").is_none());
        assert!(lambda_target_from_uri("arn:aws:states:::execution").is_none());
    }
}
