//! What invokes a function, derived from the inventory: API Gateway integrations (with their
//! timeouts), asynchronous service grants, and event source mappings.

use crate::inventory::{Collected, Function, RegionInventory};
use crate::policy::{Effect, PrincipalSpec, parse_statements};

/// REST APIs give up after 29 s unless configured lower; HTTP APIs after 30 s.
pub const REST_DEFAULT_TIMEOUT_MS: i32 = 29_000;
pub const HTTP_DEFAULT_TIMEOUT_MS: i32 = 30_000;

/// One API Gateway route or method that invokes the function.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiTrigger {
    pub api_id: String,
    /// `GET /orders` (REST) or the HTTP API route key.
    pub route: String,
    pub timeout_ms: i32,
}

/// WebSocket APIs, like REST APIs, wait at most 29 s.
pub const WEBSOCKET_DEFAULT_TIMEOUT_MS: i32 = 29_000;

/// The API routes that invoke `function`, and a reason for each API (or listing) that
/// could not be read, so one unreadable API never hides what the others show.
pub fn api_triggers(
    region: &RegionInventory,
    function: &Function,
) -> (Vec<ApiTrigger>, Vec<String>) {
    let mut out = Vec::new();
    let mut unseen = Vec::new();
    match region.rest_apis.value() {
        None => unseen.push(format!(
            "REST APIs: {}",
            region.rest_apis.unavailable_reason().unwrap_or_default()
        )),
        Some(apis) => {
            for api in apis {
                let Some(resources) = api.resources.value() else {
                    unseen.push(format!(
                        "resources of REST API {}: {}",
                        api.id,
                        api.resources.unavailable_reason().unwrap_or_default()
                    ));
                    continue;
                };
                for resource in resources {
                    for method in &resource.methods {
                        let Some(integration) = &method.integration else {
                            continue;
                        };
                        if integration
                            .lambda
                            .as_ref()
                            .is_some_and(|l| l.function_arn == function.arn)
                        {
                            out.push(ApiTrigger {
                                api_id: api.id.clone(),
                                route: format!("{} {}", method.http_method, resource.path),
                                timeout_ms: integration
                                    .timeout_ms
                                    .unwrap_or(REST_DEFAULT_TIMEOUT_MS),
                            });
                        }
                    }
                }
            }
        }
    }
    match region.http_apis.value() {
        None => unseen.push(format!(
            "HTTP and WebSocket APIs: {}",
            region.http_apis.unavailable_reason().unwrap_or_default()
        )),
        Some(apis) => {
            for api in apis {
                let Some(integrations) = api.integrations.value() else {
                    unseen.push(format!(
                        "integrations of API {}: {}",
                        api.id,
                        api.integrations.unavailable_reason().unwrap_or_default()
                    ));
                    continue;
                };
                let default_timeout = if api.protocol_type.eq_ignore_ascii_case("WEBSOCKET") {
                    WEBSOCKET_DEFAULT_TIMEOUT_MS
                } else {
                    HTTP_DEFAULT_TIMEOUT_MS
                };
                let routes = api.routes.value().map(Vec::as_slice).unwrap_or_default();
                for integration in integrations {
                    if integration
                        .lambda
                        .as_ref()
                        .is_none_or(|l| l.function_arn != function.arn)
                    {
                        continue;
                    }
                    let target = format!("integrations/{}", integration.id);
                    let route_keys: Vec<&str> = routes
                        .iter()
                        .filter(|r| r.target.as_deref() == Some(target.as_str()))
                        .map(|r| r.route_key.as_str())
                        .collect();
                    out.push(ApiTrigger {
                        api_id: api.id.clone(),
                        route: if route_keys.is_empty() {
                            format!("integration {}", integration.id)
                        } else {
                            route_keys.join(", ")
                        },
                        timeout_ms: integration.timeout_ms.unwrap_or(default_timeout),
                    });
                }
            }
        }
    }
    (out, unseen)
}

/// Services that invoke Lambda asynchronously (Lambda queues the event and retries twice).
const ASYNC_SERVICES: &[&str] = &[
    "s3.amazonaws.com",
    "lambda.alarms.cloudwatch.amazonaws.com",
    "sns.amazonaws.com",
    "events.amazonaws.com",
    "ses.amazonaws.com",
    "iot.amazonaws.com",
    "codecommit.amazonaws.com",
    "config.amazonaws.com",
];

fn is_async_service(principal: &str) -> bool {
    // CloudWatch Logs subscriptions use regional principals (logs.REGION.amazonaws.com).
    ASYNC_SERVICES.contains(&principal)
        || (principal.starts_with("logs.") && principal.ends_with(".amazonaws.com"))
}

/// Async service principals granted invoke by any qualifier's policy; `Err` when a policy
/// could not be read.
pub fn async_sources(function: &Function) -> Result<Vec<String>, String> {
    // Alias policies are only known when the aliases could be listed.
    if let Some(reason) = function.aliases.unavailable_reason() {
        return Err(format!("aliases: {reason}"));
    }
    let mut out = Vec::new();
    for qualified in function.policies() {
        let policy = match qualified.policy {
            Collected::Collected { value: None } => continue,
            Collected::Collected { value: Some(p) } => p,
            other => return Err(other.unavailable_reason().unwrap_or_default()),
        };
        let statements = parse_statements(&policy.document).map_err(|e| {
            format!(
                "resource policy of {} could not be read: {e}",
                qualified.arn
            )
        })?;
        for statement in statements {
            if statement.effect != Effect::Allow
                || !statement.covers_action("lambda:InvokeFunction")
            {
                continue;
            }
            if let PrincipalSpec::Principal(p) = &statement.principal {
                out.extend(p.service.iter().filter(|s| is_async_service(s)).cloned());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}
