//! LA106: an API Gateway method or route with no authorization invokes a function.

use crate::checks::{Check, CheckContext, CheckMeta, CheckOutput, Family, FindingDraft};
use crate::findings::Severity;
use crate::inventory::{Collected, HttpApi, LambdaTarget, RegionInventory, RestApi};
use serde_json::json;

pub struct ApiUnauthenticatedRoute;

static META: CheckMeta = CheckMeta {
    id: "LA106",
    name: "api-unauthenticated-route",
    family: Family::Exposure,
    severity: Severity::Medium,
    summary: "An API Gateway method or route without authorization invokes the function",
    references: &[
        "OWASP Serverless Top 10 A2:2017 Broken Authentication",
        "OWASP API Security Top 10 2023 API2 Broken Authentication",
        "Amazon API Gateway Developer Guide: Controlling and managing access to an API",
    ],
    doc: include_str!("../../../checks/LA106.md"),
};

/// The ARN the integration invokes: qualified when the qualifier is literal, the
/// unqualified function when it is a stage-variable reference resolved per stage.
fn target_arn(target: &LambdaTarget) -> String {
    match &target.qualifier {
        Some(q) if !q.contains("${") => format!("{}:{q}", target.function_arn),
        _ => target.function_arn.clone(),
    }
}

fn function_name(function_arn: &str) -> &str {
    function_arn.rsplit(':').next().unwrap_or(function_arn)
}

struct Route<'a> {
    api_id: &'a str,
    api_name: Option<&'a str>,
    api_kind: &'static str,
    method: String,
    path: String,
    authorization_type: &'a str,
    target: &'a LambdaTarget,
    extra: serde_json::Value,
}

fn report(out: &mut CheckOutput, region: &RegionInventory, r: Route<'_>) {
    let arn = target_arn(r.target);
    let name = function_name(&r.target.function_arn);
    let api = match r.api_name {
        Some(n) => format!("{} ({n})", r.api_id),
        None => r.api_id.to_string(),
    };
    out.finding(FindingDraft {
        region: &region.region,
        resource_arn: &arn,
        function_name: Some(name),
        severity: None,
        title: format!(
            "{name}: {} {} {} of {api} needs no authorization",
            r.api_kind, r.method, r.path
        ),
        message: format!(
            "{} API {api} routes {} {} to {arn} with authorization type {} and no API key: anyone who can reach the API can invoke the function through it.",
            r.api_kind, r.method, r.path, r.authorization_type
        ),
        evidence: json!({
            "api_id": r.api_id,
            "api_name": r.api_name,
            "api_type": r.api_kind,
            "method": r.method,
            "path": r.path,
            "authorization_type": r.authorization_type,
            "qualifier": r.target.qualifier,
            "details": r.extra,
        }),
        detail_key: format!("{} {} {}", r.api_id, r.method, r.path),
    });
}

fn is_private(api: &RestApi) -> bool {
    api.endpoint_types
        .iter()
        .any(|t| t.eq_ignore_ascii_case("PRIVATE"))
}

fn rest_api(out: &mut CheckOutput, region: &RegionInventory, api: &RestApi) {
    if is_private(api) {
        // Reachable only through VPC endpoints: not internet-facing.
        out.evaluated();
        return;
    }
    let resources = match &api.resources {
        Collected::Collected { value } => value,
        other => {
            let reason = other.unavailable_reason().unwrap_or_default();
            out.not_evaluated(&region.region, &format!("REST API {}", api.id), reason);
            return;
        }
    };
    out.evaluated();
    // Nothing deployed, nothing callable.
    if api.stages.value().is_some_and(Vec::is_empty) {
        return;
    }
    for resource in resources {
        for method in &resource.methods {
            if !method.authorization_type.eq_ignore_ascii_case("NONE") || method.api_key_required {
                continue;
            }
            let Some(target) = method.integration.as_ref().and_then(|i| i.lambda.as_ref()) else {
                continue;
            };
            report(
                out,
                region,
                Route {
                    api_id: &api.id,
                    api_name: api.name.as_deref(),
                    api_kind: "REST",
                    method: method.http_method.clone(),
                    path: resource.path.clone(),
                    authorization_type: &method.authorization_type,
                    target,
                    extra: json!({
                        "endpoint_types": api.endpoint_types,
                        "has_resource_policy": api.policy.is_some(),
                        "disable_execute_api_endpoint": api.disable_execute_api_endpoint,
                    }),
                },
            );
        }
    }
}

fn http_api(out: &mut CheckOutput, region: &RegionInventory, api: &HttpApi) {
    let (routes, integrations) = match (&api.routes, &api.integrations) {
        (Collected::Collected { value: r }, Collected::Collected { value: i }) => (r, i),
        (r, i) => {
            let reason = r
                .unavailable_reason()
                .or_else(|| i.unavailable_reason())
                .unwrap_or_default();
            out.not_evaluated(&region.region, &format!("HTTP API {}", api.id), reason);
            return;
        }
    };
    out.evaluated();
    let websocket = api.protocol_type.eq_ignore_ascii_case("WEBSOCKET");
    let open = |r: &crate::inventory::Route| {
        r.authorization_type.eq_ignore_ascii_case("NONE") && !r.api_key_required
    };
    // A WebSocket API authorizes once, on $connect; its other routes inherit that.
    let connect_open = routes
        .iter()
        .find(|r| r.route_key == "$connect")
        .is_none_or(open);
    for route in routes {
        let unauthenticated = if websocket && route.route_key != "$connect" {
            connect_open
        } else {
            open(route)
        };
        if !unauthenticated {
            continue;
        }
        let Some(integration_id) = route
            .target
            .as_deref()
            .and_then(|t| t.strip_prefix("integrations/"))
        else {
            continue;
        };
        let Some(target) = integrations
            .iter()
            .find(|i| i.id == integration_id)
            .and_then(|i| i.lambda.as_ref())
        else {
            continue;
        };
        let (method, path) = match route.route_key.split_once(' ') {
            Some((m, p)) => (m.to_string(), p.to_string()),
            None => ("ROUTE".to_string(), route.route_key.clone()),
        };
        report(
            out,
            region,
            Route {
                api_id: &api.id,
                api_name: api.name.as_deref(),
                api_kind: if websocket { "WebSocket" } else { "HTTP" },
                method,
                path,
                authorization_type: &route.authorization_type,
                target,
                extra: json!({
                    "route_key": route.route_key,
                    "route_id": route.id,
                    "integration_id": integration_id,
                    "disable_execute_api_endpoint": api.disable_execute_api_endpoint,
                }),
            },
        );
    }
}

impl Check for ApiUnauthenticatedRoute {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &CheckContext<'_>, out: &mut CheckOutput) {
        for region in &ctx.inventory.regions {
            match &region.rest_apis {
                Collected::Collected { value } => {
                    for api in value {
                        rest_api(out, region, api);
                    }
                }
                other => out.not_evaluated(
                    &region.region,
                    &format!("all REST APIs in {}", region.region),
                    other.unavailable_reason().unwrap_or_default(),
                ),
            }
            match &region.http_apis {
                Collected::Collected { value } => {
                    for api in value {
                        http_api(out, region, api);
                    }
                }
                other => out.not_evaluated(
                    &region.region,
                    &format!("all HTTP APIs in {}", region.region),
                    other.unavailable_reason().unwrap_or_default(),
                ),
            }
        }
    }
}
